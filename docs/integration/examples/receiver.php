<?php
// A gateway receiving pager's webhook events, checking their signature first.
//   PAGER_SECRET=... php -S 0.0.0.0:9000 receiver.php
// Each event that is signed right is appended to events.jsonl (PAGER_EVENTS_FILE), where the
// gateway would send its WhatsApp or SMS message instead.

$body = file_get_contents('php://input');
$secret = getenv('PAGER_SECRET');
$expected = 'sha256=' . hash_hmac('sha256', $body, $secret);
$given = $_SERVER['HTTP_X_PAGER_SIGNATURE'] ?? '';
if (!hash_equals($expected, $given)) {
    http_response_code(401);  // not from pager: ignore it
    exit;
}
$event = json_decode($body, true);
if ($event['event'] === 'started') {
    $text = "Nomor {$event['ticket']} sedang dipanggil di loket {$event['counter']}";
    // send_whatsapp($phone_of[$event['id']], $text);  (the gateway's own part)
}
$file = getenv('PAGER_EVENTS_FILE') ?: 'events.jsonl';
file_put_contents($file, json_encode($event) . "\n", FILE_APPEND | LOCK_EX);
http_response_code(204);
