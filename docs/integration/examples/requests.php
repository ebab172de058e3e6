<?php
// Every other request of pager's HTTP API, in order: the next ticket of the counter's
// service, followed on the event stream until it was heard; a pickup said twice, then
// cancelled; the status; and, with the operator desk's token, a message of the library and
// a zone test.
//   PAGER_URL=https://pa-pc:8443 PAGER_TOKEN=5.xxxx PAGER_OPERATOR_TOKEN=operator.xxxx php requests.php
// (php-cli with its curl extension: apt install php-cli php-curl)

$base = getenv('PAGER_URL');
$counter = getenv('PAGER_TOKEN');
$operator = getenv('PAGER_OPERATOR_TOKEN');

function pager(string $method, string $path, string $token, ?array $body = null): array {
    global $base;
    $curl = curl_init($base . $path);
    curl_setopt_array($curl, [
        CURLOPT_CUSTOMREQUEST => $method,
        CURLOPT_HTTPHEADER => ["Authorization: Bearer $token", 'Content-Type: application/json'],
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_TIMEOUT => 15,
    ]);
    if ($body !== null) {
        curl_setopt($curl, CURLOPT_POSTFIELDS, $body === [] ? '{}' : json_encode($body));
    }
    $text = curl_exec($curl);
    if ($text === false) {
        throw new RuntimeException('pager unreachable: ' . curl_error($curl));
    }
    $status = curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
    curl_close($curl);
    $answer = json_decode($text, true);
    if ($status >= 300) {  // a problem (RFC 9457): `detail` says why
        fwrite(STDERR, "$method $path refused ($status): {$answer['detail']}\n");
        exit(1);
    }
    return $answer;
}

// The token's events as they happen (server-sent events: `data: {...}` lines), each handed
// to $take until it returns true. Runs after the request it follows: a call takes seconds.
function follow(string $token, callable $take): void {
    global $base;
    $buffer = '';
    $curl = curl_init("$base/api/v1/events");
    curl_setopt_array($curl, [
        CURLOPT_HTTPHEADER => ["Authorization: Bearer $token"],
        CURLOPT_TIMEOUT => 120,
        CURLOPT_WRITEFUNCTION => function ($curl, string $data) use (&$buffer, $take): int {
            $buffer .= $data;
            while (($end = strpos($buffer, "\n")) !== false) {
                $line = substr($buffer, 0, $end);
                $buffer = substr($buffer, $end + 1);
                if (str_starts_with($line, 'data: ') && $take(json_decode(substr($line, 6), true))) {
                    return 0;  // enough: ends the stream
                }
            }
            return strlen($data);
        },
    ]);
    curl_exec($curl);
    curl_close($curl);
}

// The next ticket of the counter's service (services.NAME.prefix), numbered by pager.
$called = pager('POST', '/api/v1/calls/next', $counter, []);
echo "next: {$called['ticket']}\n";
follow($counter, function (array $event) use ($called): bool {
    if ($event['id'] === $called['id'] && in_array($event['event'], ['finished', 'expired', 'failed'], true)) {
        echo "{$event['event']}: {$called['ticket']}\n";
        return true;
    }
    return false;
});

// A document ready, said twice (repeat 1); then the counter's cancel of it.
pager('POST', '/api/v1/calls', $counter,
      ['ticket' => 'PB-00012345', 'kind' => 'pickup', 'id' => 'd-881', 'repeat' => 1]);
$cancel = pager('POST', '/api/v1/cancels', $counter, ['id' => 'd-881']);
echo "cancelled: {$cancel['id']}\n";

$status = pager('GET', '/api/v1/status', $counter);
echo "status: {$status['node']} {$status['state']}\n";

// The operator desk: a message of the library, and a zone test with a tone.
$announced = pager('POST', '/api/v1/announcements', $operator, ['message' => 'lunch-break']);
echo "announced: {$announced['id']}\n";
$tested = pager('POST', '/api/v1/tests', $operator, ['zone' => 'food-court', 'tone' => true]);
echo "test: {$tested['id']}\n";
