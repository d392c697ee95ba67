<#
.SYNOPSIS
    The Mailpit-compatible API with 10,000 messages: list the newest 50, search, and ingest with an event stream open.
.DESCRIPTION
    Starts a server with -Http, puts N messages into the INBOXes of 4 accounts (through the store,
    as SMTP delivery does, minus the network), then times over HTTP keep-alive:
      - GET /api/v1/messages?limit=50 (all mailboxes, newest first), cold (first request) and warm;
      - GET /api/v1/search?query=... for a few queries, cold (the first search parses every
        message once) and warm (summaries cached);
    reporting the server-side time (the Server-Timing header the server sets around its handler)
    and the client's wall time, median and 95th percentile of R runs each. Then ingest: Python
    smtplib sends M messages over 4 connections while a client reads /api/v1/events; reports
    messages/s and how many `new` events arrived.
.EXAMPLE
    dotnet pwsh bench/MailpitApi.ps1 -ModulePath ./out/MailAdmin/0.1.0/MailAdmin.psd1
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Messages = 10000,
    [int] $Runs = 30,
    [int] $IngestMessages = 2000,
    # A Maildir store in a temporary folder instead of memory.
    [switch] $Maildir
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$accounts = 'ann@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com'
$storePath = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-mailpitbench-$PID"
$start = @{ Name = 'MailpitBench'; FreePorts = $true; Http = $true; Domain = 'example.com'; WarningAction = 'SilentlyContinue'; Disable = 'Imap', 'Imaps', 'Pop3', 'Pop3s' }
if ($Maildir) { $start.Path = $storePath } else { $start.InMemory = $true }
$server = Start-MailServer @start
try {
    foreach ($a in $accounts) { New-MailAccount -Server MailpitBench -Address $a -Password (ConvertTo-SecureString 'Bench-Passw0rd' -AsPlainText -Force) | Out-Null }
    $words = 'invoice', 'welcome', 'report', 'reset', 'order', 'newsletter', 'alert', 'receipt'
    $fill = [Diagnostics.Stopwatch]::StartNew()
    $t0 = [DateTimeOffset]::Now.AddDays(-1)
    for ($i = 0; $i -lt $Messages; $i++) {
        $account = $accounts[$i % $accounts.Count]
        $word = $words[$i % $words.Count]
        $text = "From: Sender $i <sender$($i % 97)@example.org>`r`nTo: $account`r`nSubject: $word number $i`r`nMessage-ID: <bench$i@example.org>`r`nDate: $($t0.AddSeconds($i).ToString('r'))`r`n`r`nBody of message $i about $word.`r`nSecond line with some more words.`r`n"
        $null = $server.Store.DeliverAsync($account, 'INBOX', [Text.Encoding]::UTF8.GetBytes($text), $t0.AddSeconds($i)).GetAwaiter().GetResult()
    }
    Write-Host ("Filled {0} messages in {1:0.0} s ({2})" -f $Messages, $fill.Elapsed.TotalSeconds, $(if ($Maildir) { 'Maildir' } else { 'in memory' }))
    if ($Maildir) {
        # A new server on the same store: no summary cached, so the first search really parses every message.
        Stop-MailServer -Name MailpitBench
        $server = Start-MailServer @start
        Write-Host 'Restarted on the same Maildir store: the summary cache starts empty.'
    }
    else {
        Write-Host 'In memory: deliveries made the summaries as they arrived, so the first search finds them cached.'
    }

    $client = [Net.Http.HttpClient]::new()
    $client.BaseAddress = [Uri]"http://127.0.0.1:$($server.Port('http'))/"
    function Measure-Get([string] $Path) {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $response = $client.GetAsync($Path).GetAwaiter().GetResult()
        $null = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
        $wall = $watch.Elapsed.TotalMilliseconds
        if ([int]$response.StatusCode -ne 200) { throw "GET $Path answered $([int]$response.StatusCode)" }
        $timing = ($response.Headers.GetValues('Server-Timing') | Select-Object -First 1) -replace '^app;dur=', ''
        [pscustomobject]@{ Server = [double]$timing; Wall = $wall }
    }
    function Get-Percentile([double[]] $Values, [double] $P) {
        $sorted = $Values | Sort-Object
        $sorted[[Math]::Min($sorted.Count - 1, [int][Math]::Floor($P * ($sorted.Count - 1) + 0.5))]
    }
    function Show-Runs([string] $Label, [string] $Path) {
        $cold = Measure-Get $Path
        $runs = 1..$Runs | ForEach-Object { Measure-Get $Path }
        '{0,-40} first {1,8:0.0} ms | warm server median {2,7:0.0} ms p95 {3,7:0.0} ms | wall median {4,7:0.0} ms' -f $Label, $cold.Server,
            (Get-Percentile $runs.Server 0.5), (Get-Percentile $runs.Server 0.95), (Get-Percentile $runs.Wall 0.5)
    }
    Show-Runs 'list newest 50 (all mailboxes)' 'api/v1/messages?limit=50'
    Show-Runs 'list newest 50 (one mailbox)' 'api/v1/messages?limit=50&mailbox=ann@example.com'
    Show-Runs 'list 50 from start=5000' 'api/v1/messages?start=5000&limit=50'
    Show-Runs 'search "subject:invoice" (the first search)' 'api/v1/search?query=subject%3Ainvoice'
    Show-Runs 'search "from:sender7@example.org report"' 'api/v1/search?query=from%3Asender7%40example.org%20report'
    Show-Runs 'search free text "number 9999"' 'api/v1/search?query=%22number%209999%22'
    Show-Runs 'search "is:unread to:bob"' 'api/v1/search?query=is%3Aunread%20to%3Abob'
    Show-Runs 'mailboxes' 'api/v1/mailboxes'

    $ingest = @'
import json, smtplib, sys, threading, time, urllib.request
from email.message import EmailMessage
http, smtp, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
events = [0]
stream = urllib.request.urlopen(f"http://127.0.0.1:{http}/api/v1/events", timeout=60)
stream.readline()
def read():
    for line in stream:
        if line.startswith(b"event: new"):
            events[0] += 1
            if events[0] >= total:
                return
reader = threading.Thread(target=read, daemon=True)
reader.start()
def send(n, offset):
    with smtplib.SMTP("127.0.0.1", smtp, timeout=60) as s:
        for i in range(n):
            m = EmailMessage()
            m["From"] = "load@example.org"; m["To"] = "ann@example.com"; m["Subject"] = f"ingest {offset + i}"
            m.set_content("ingest body " * 20)
            s.send_message(m)
start = time.time()
threads = [threading.Thread(target=send, args=(total // 4, k * (total // 4))) for k in range(4)]
for t in threads: t.start()
for t in threads: t.join()
sent = time.time() - start
reader.join(timeout=30)
print(json.dumps({"sent": total // 4 * 4, "seconds": round(sent, 2), "per_second": round(total // 4 * 4 / sent), "events": events[0], "events_seconds": round(time.time() - start, 2)}))
'@
    $result = ($ingest | & python3 - "$($server.Port('http'))" "$($server.Port('smtp'))" "$IngestMessages") | ConvertFrom-Json
    'ingest by SMTP with /api/v1/events open: {0} messages in {1} s = {2}/s; {3} new events by {4} s' -f $result.sent, $result.seconds, $result.per_second, $result.events, $result.events_seconds
}
finally {
    Stop-MailServer -Name MailpitBench
    if ($Maildir) { Remove-Item -Recurse -Force $storePath -ErrorAction SilentlyContinue }
}
