<#
.SYNOPSIS
    COPY/MOVE of 500 messages in a Maildir store (journaled, hard links) against the reference measured in the
    same run: storing the same 500 messages one by one (what a COPY cost before: a durable append per message).
    Also a STORE (flag change) of one message, which now fsyncs cur/ before its answer. Medians of 5 runs; the
    machine is shared, so read the ratios, not the absolute times.
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../out/MailAdmin/0.1.0/MailAdmin.psd1'), [int] $Messages = 500, [int] $Runs = 5)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$root = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-transfer-bench-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
$store = [MailAdmin.Store.MaildirStore]::new($root, 1000)
$account = 'bench@example.com'
try {
    $null = $store.Accounts.AddAsync($account, 'pw').GetAwaiter().GetResult()
    $body = [Text.Encoding]::ASCII.GetBytes("Subject: bench`r`n`r`n" + ('x' * 4000) + "`r`n")
    $times = @{ append = @(); copy = @(); move = @(); flag = @() }
    foreach ($run in 1..$Runs) {
        foreach ($f in "A$run", "B$run", "C$run") { $null = $store.CreateFolderAsync($account, $f).GetAwaiter().GetResult() }
        $sw = [Diagnostics.Stopwatch]::StartNew()
        foreach ($i in 1..$Messages) { $null = $store.DeliverAsync($account, "A$run", $body, [DateTimeOffset]::UtcNow).GetAwaiter().GetResult() }
        $times.append += $sw.Elapsed.TotalMilliseconds
        [uint32[]] $uids = @($store.ListMessages($account, "A$run") | ForEach-Object Uid)
        $sw.Restart(); $null = $store.CopyMessagesAsync($account, "A$run", $uids, "B$run").GetAwaiter().GetResult(); $times.copy += $sw.Elapsed.TotalMilliseconds
        $sw.Restart(); $null = $store.MoveMessagesAsync($account, "A$run", $uids, "C$run").GetAwaiter().GetResult(); $times.move += $sw.Elapsed.TotalMilliseconds
        [uint32[]] $moved = @($store.ListMessages($account, "C$run") | Select-Object -First 50 | ForEach-Object Uid)
        $sw.Restart()
        foreach ($u in $moved) { $null = $store.SetFlagsAsync($account, "C$run", [uint32[]]@($u), [MailAdmin.Store.MessageFlags]::Flagged, [MailAdmin.Store.FlagChange]::Add).GetAwaiter().GetResult() }
        $times.flag += $sw.Elapsed.TotalMilliseconds / $moved.Count
    }
    $median = { param($v) ($v | Sort-Object)[[int][math]::Floor(($v.Count - 1) / 2)] }
    $append = & $median $times.append; $copy = & $median $times.copy; $move = & $median $times.move; $flag = & $median $times.flag
    Write-Host ("store transfer, {0} messages of 4 KB, median of {1} runs (shared machine: noisy):" -f $Messages, $Runs)
    Write-Host ("  reference: {0} durable appends one by one  {1,8:n1} ms" -f $Messages, $append)
    Write-Host ("  COPY (journal + hard links)               {0,8:n1} ms  = {1:n2}x the reference" -f $copy, ($copy / $append))
    Write-Host ("  MOVE (journal + hard links + removal)     {0,8:n1} ms  = {1:n2}x the reference" -f $move, ($move / $append))
    Write-Host ("  STORE of one message (rename + fsync cur/) {0,7:n2} ms  ({1:n2}x one append)" -f $flag, ($flag / ($append / $Messages)))
}
finally {
    $store.Dispose()
    Remove-Item $root -Recurse -Force -ErrorAction SilentlyContinue
}
