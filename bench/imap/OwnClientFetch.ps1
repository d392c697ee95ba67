# `UID FETCH 1:* <items>` of every message, timed with the bench's own client (ImapFetchClient.cs)
# on two servers in turn, round by round; dot-sourced by bench/ImapThroughput.ps1. Returns the
# median seconds per server, in the order given. Every round must bring back every message, and
# both servers the same number of literal bytes (they hold the same messages; BODY[] is all literal).
function Measure-OwnClientFetch {
    param([Parameter(Mandatory)] [string[]] $Servers, [Parameter(Mandatory)] [string] $User,
          [Parameter(Mandatory)] [string] $Password, [Parameter(Mandatory)] [int] $Rounds, [Parameter(Mandatory)] [int] $Messages,
          # As sent after the set, e.g. '(BODY.PEEK[])' or '(UID FLAGS ENVELOPE)'.
          [Parameter(Mandatory)] [string] $Items)
    if (-not ('MailAdminBench.ImapFetchClient' -as [type])) { Add-Type -Path (Join-Path $PSScriptRoot 'ImapFetchClient.cs') }
    $clients = foreach ($server in $Servers) {
        $hostName, $port = $server -split ':'
        [MailAdminBench.ImapFetchClient]::new($hostName, [int] $port, $User, $Password)
    }
    try {
        $times = @(foreach ($client in $clients) { , [Collections.Generic.List[double]]::new() })
        $bytes = @(0L) * $clients.Count
        for ($round = 0; $round -lt $Rounds; $round++) {
            for ($i = 0; $i -lt $clients.Count; $i++) {
                $count = 0; $size = 0L
                $times[$i].Add($clients[$i].FetchAll($Items, [ref] $count, [ref] $size))
                if ($count -ne $Messages) { throw "$($Servers[$i]) answered $count of $Messages messages to UID FETCH 1:* $Items" }
                $bytes[$i] = $size
            }
        }
        if (@($bytes | Select-Object -Unique).Count -ne 1) { Write-Host "$Items literal bytes differ between the servers: $($bytes -join ' vs ')" }
        foreach ($list in $times) { $sorted = @($list | Sort-Object); $sorted[[int][math]::Floor($sorted.Count / 2)] }
    }
    finally { foreach ($client in $clients) { $client.Dispose() } }
}
