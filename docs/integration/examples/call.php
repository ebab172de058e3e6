<?php
// A queue system calling a ticket through pager's HTTP API, and following it to its end.
//   PAGER_URL=https://pa-pc:8443 PAGER_TOKEN=5.xxxx php call.php A023 c-17
// (php-cli with its curl extension: apt install php-cli php-curl)

$base = getenv('PAGER_URL');
$token = getenv('PAGER_TOKEN');
[$_, $ticket, $id] = $argv;

function pager(string $method, string $url, string $token, ?array $body = null): array {
    $curl = curl_init($url);
    $headers = ["Authorization: Bearer $token", 'Content-Type: application/json'];
    curl_setopt_array($curl, [
        CURLOPT_CUSTOMREQUEST => $method,
        CURLOPT_HTTPHEADER => $headers,
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_TIMEOUT => 15,
    ]);
    if ($body !== null) {
        curl_setopt($curl, CURLOPT_POSTFIELDS, json_encode($body));
    }
    $text = curl_exec($curl);
    if ($text === false) {
        throw new RuntimeException('pager unreachable: ' . curl_error($curl));
    }
    $status = curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
    curl_close($curl);
    return [$status, json_decode($text, true)];
}

// The same id again (a retry after a timeout) is the same call: it is played once.
[$status, $answer] = pager('POST', "$base/api/v1/calls", $token, ['ticket' => $ticket, 'id' => $id]);
if ($status !== 202) {
    // A problem (RFC 9457): `detail` says why, as a person would read it.
    fwrite(STDERR, "refused ($status): {$answer['detail']}\n");
    exit(1);
}
echo "accepted: {$answer['id']}\n";

// What became of it: poll its state (or listen on /api/v1/events).
for ($try = 0; $try < 120; $try++) {
    [$status, $call] = pager('GET', "$base/api/v1/calls/" . rawurlencode($id), $token);
    if ($status === 200 && in_array($call['state'], ['finished', 'expired', 'failed', 'cancelled'], true)) {
        echo "{$call['state']}\n";
        exit($call['state'] === 'finished' ? 0 : 1);
    }
    sleep(1);
}
fwrite(STDERR, "no end heard in two minutes\n");
exit(1);
