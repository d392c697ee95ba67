<#
.SYNOPSIS
    Get-ImapMessage listing envelopes from Dovecot against raw MailKit doing the same FETCHes.
.DESCRIPTION
    Fills a throw-away Dovecot's Maildir directly with N small messages (before the first login,
    so Dovecot indexes them itself), then, in this pwsh and over one connection each, times:
      - cmdlet: Get-ImapMessage -BatchSize B (SEARCH ALL, UID FETCH in batches of B of
        UID FLAGS INTERNALDATE RFC822.SIZE BODYSTRUCTURE BODY.PEEK[HEADER], MailMessage objects
        written to the pipeline);
      - MailKit: the module's own MailKit files (loaded from its deps folder) doing the same
        SEARCH and the same FETCH items over the same batches, discarding the summaries.
    Runs each R times, alternating, and reports the medians and the cmdlet's overhead.
.EXAMPLE
    dotnet pwsh bench/GetImapMessage.ps1 -ModulePath ./out/MailAdmin/0.1.0/MailAdmin.psd1
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Messages = 10000,
    [int] $BatchSize = 250,
    [int] $Runs = 9
)
$ErrorActionPreference = 'Stop'
if (-not (Get-Command dovecot -ErrorAction SilentlyContinue)) { Write-Host 'dovecot is not installed: Get-ImapMessage benchmark skipped.'; return }
Import-Module $ModulePath
# Raw MailKit: the same files as the module's, loaded as a script's own copy (on PowerShell 7 the
# module's load in a context of their own, out of reach of type names in scripts).
$deps = Join-Path (Split-Path (Get-Module MailAdmin).Path) 'deps'
Add-Type -Path (Join-Path $deps 'BouncyCastle.Cryptography.dll'), (Join-Path $deps 'MimeKit.dll'), (Join-Path $deps 'MailKit.dll')

$user = 'ann@example.com'; $password = 'Bench-Passw0rd'
$dir = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-getimapbench-$PID"
$port = Get-Random -Minimum 30000 -Maximum 40000
$instance = Join-Path $PSScriptRoot '../tests/tools/dovecot-instance.sh'
& bash $instance start $dir $port ($port + 1) $user $password
if ($LASTEXITCODE -ne 0) { throw 'The Dovecot instance did not start.' }
try {
    # Maildir files written directly: far quicker than N APPENDs.
    $maildir = Join-Path $dir "mail/$user/Maildir"
    foreach ($sub in 'cur', 'new', 'tmp') { New-Item -ItemType Directory -Force -Path (Join-Path $maildir $sub) | Out-Null }
    $cur = Join-Path $maildir 'cur'
    $stamp = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    for ($i = 1; $i -le $Messages; $i++) {
        $text = "From: sender$($i % 97)@example.com`r`nTo: $user`r`nSubject: Message number $i`r`nDate: Mon, 1 Jan 2024 10:00:00 +0000`r`n" +
            "Message-ID: <$i@bench>`r`nMIME-Version: 1.0`r`nContent-Type: text/plain`r`n`r`nBody of message $i.`r`n"
        [IO.File]::WriteAllText((Join-Path $cur "$stamp.M$($i)P1.bench:2,S"), $text)
    }
    & chown -R mail:mail (Join-Path $dir 'mail')

    $credential = [pscredential]::new($user, (ConvertTo-SecureString $password -AsPlainText -Force))
    $session = Connect-ImapServer -Server 127.0.0.1 -Port $port -Credential $credential -Secure None

    $client = [MailKit.Net.Imap.ImapClient]::new()
    $client.Connect('127.0.0.1', $port, [MailKit.Security.SecureSocketOptions]::None)
    $client.Authenticate($user, $password)
    $items = [MailKit.MessageSummaryItems]'UniqueId, Flags, InternalDate, Size, BodyStructure'

    # Counted by Measure-Object (compiled) rather than a ForEach-Object script block, whose
    # per-object cost would be charged to the cmdlet.
    $cmdlet = { (Get-ImapMessage -Session $session -BatchSize $BatchSize | Measure-Object).Count }
    $raw = {
        $inbox = $client.Inbox
        $inbox.Open([MailKit.FolderAccess]::ReadOnly) | Out-Null
        $uids = $inbox.Search([MailKit.Search.SearchQuery]::All)
        $count = 0
        for ($start = 0; $start -lt $uids.Count; $start += $BatchSize) {
            $batch = [System.Collections.Generic.List[MailKit.UniqueId]]::new()
            for ($j = $start; $j -lt [math]::Min($start + $BatchSize, $uids.Count); $j++) { $batch.Add($uids[$j]) }
            $request = [MailKit.FetchRequest]::new($items)
            $request.Headers = [MailKit.HeaderSet]::All
            $count += $inbox.FetchAsync($batch, $request, [Threading.CancellationToken]::None).GetAwaiter().GetResult().Count
        }
        $inbox.Close($false)
        $count
    }

    # One warm-up each (JIT, Dovecot's index), then the timed runs alternating.
    if ((& $cmdlet) -ne $Messages) { throw "Get-ImapMessage did not return $Messages messages." }
    if ((& $raw) -ne $Messages) { throw "MailKit did not return $Messages messages." }
    $cmdletTimes = @(); $rawTimes = @()
    for ($r = 1; $r -le $Runs; $r++) {
        $rawTimes += (Measure-Command { & $raw }).TotalSeconds
        $cmdletTimes += (Measure-Command { & $cmdlet }).TotalSeconds
    }
    $median = { param($values) $sorted = @($values | Sort-Object); $sorted[[int][math]::Floor($sorted.Count / 2)] }
    $c = & $median $cmdletTimes; $m = & $median $rawTimes
    Write-Host "Get-ImapMessage, $Messages envelopes from Dovecot, batches of $BatchSize, median of $Runs runs"
    Write-Host ("  Get-ImapMessage: {0:N3} s   (runs: {1})" -f $c, (($cmdletTimes | ForEach-Object { '{0:N3}' -f $_ }) -join ', '))
    Write-Host ("  raw MailKit:     {0:N3} s   (runs: {1})" -f $m, (($rawTimes | ForEach-Object { '{0:N3}' -f $_ }) -join ', '))
    # Each run times raw MailKit and then the cmdlet back to back, so the ratio within a pair is
    # what load bursts on a small machine disturb least; its median is the verdict.
    $pairs = for ($r = 0; $r -lt $Runs; $r++) { $cmdletTimes[$r] / $rawTimes[$r] }
    $pairMedian = & $median $pairs
    Write-Host ("  overhead of medians:        {0:P0}" -f (($c - $m) / $m))
    Write-Host ("  median of paired overheads: {0:P0} (target under 25%)" -f ($pairMedian - 1))
    $client.Disconnect($true)
    Disconnect-ImapServer -Session $session
}
finally {
    & bash $instance stop $dir
    Remove-Item -Recurse -Force $dir -ErrorAction SilentlyContinue
}
