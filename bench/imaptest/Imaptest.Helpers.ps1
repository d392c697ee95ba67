# Running Dovecot's imaptest and reading what it prints; dot-sourced by bench/ImapTest.ps1.

# Runs imaptest with key=value arguments; a run that outlives its time is killed and reported.
function Invoke-Imaptest {
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string[]] $Arguments,
          [Parameter(Mandatory)] [int] $TimeoutSeconds, [Parameter(Mandatory)] [string] $WorkingDirectory)
    $start = [Diagnostics.ProcessStartInfo]::new($Path)
    foreach ($argument in $Arguments) { $start.ArgumentList.Add($argument) }
    $start.WorkingDirectory = $WorkingDirectory
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    # imaptest links against Dovecot's private libdovecot.so, which is not on the loader's path.
    $start.Environment['LD_LIBRARY_PATH'] = (@('/usr/lib/dovecot', $env:LD_LIBRARY_PATH) | Where-Object { $_ }) -join ':'
    $process = [Diagnostics.Process]::Start($start)
    # Both pipes read at once: a full stderr pipe would otherwise stall imaptest.
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    $timedOut = -not $process.WaitForExit($TimeoutSeconds * 1000)
    if ($timedOut) { $process.Kill($true); $process.WaitForExit() }
    [pscustomobject]@{
        ExitCode = if ($timedOut) { $null } else { $process.ExitCode }
        TimedOut = $timedOut
        StdOut = $stdout.GetAwaiter().GetResult()
        StdErr = $stderr.GetAwaiter().GetResult()
    }
}

# The header of an imaptest script (key: value lines up to the first empty line), as imaptest's
# test-parser.c reads it: 'capabilities:' lists what the script needs after login.
function Get-ImaptestScriptHeader([string] $ScriptPath) {
    $capabilities = @()
    $needsSecondUser = $false
    foreach ($line in [IO.File]::ReadLines($ScriptPath)) {
        if ($line.Trim() -eq '') { break }
        if ($line -match '^\s*capabilities\s*:\s*(.*)$') { $capabilities = @($Matches[1].Trim() -split '\s+' | Where-Object { $_ }) }
        if ($line -match '^\s*user \d+\s*:\s*\$\{?user2\}?\s*$') { $needsSecondUser = $true }
    }
    [pscustomobject]@{ Capabilities = $capabilities; NeedsSecondUser = $needsSecondUser }
}

# The CAPABILITY a logged-in client sees (the one imaptest compares a script's header with).
function Get-ImapCapability([int] $Port, [string] $User, [string] $Password) {
    $tcp = [Net.Sockets.TcpClient]::new('127.0.0.1', $Port)
    try {
        $tcp.ReceiveTimeout = 10000
        $stream = $tcp.GetStream()
        $reader = [IO.StreamReader]::new($stream, [Text.Encoding]::ASCII)
        $writer = [IO.StreamWriter]::new($stream, [Text.Encoding]::ASCII)
        $writer.NewLine = "`r`n"; $writer.AutoFlush = $true
        $null = $reader.ReadLine()
        $writer.WriteLine("a LOGIN `"$User`" `"$Password`"")
        while (($line = $reader.ReadLine()) -and -not $line.StartsWith('a ')) { }
        if ($line -notmatch '^a OK') { throw "LOGIN failed on port ${Port}: $line" }
        $writer.WriteLine('b CAPABILITY')
        $capabilities = @()
        while (($line = $reader.ReadLine()) -and -not $line.StartsWith('b ')) {
            if ($line -match '^\* CAPABILITY (.*)$') { $capabilities = @($Matches[1] -split ' ') }
        }
        $writer.WriteLine('c LOGOUT')
        $capabilities
    }
    finally { $tcp.Dispose() }
}

# One script's outcome from imaptest's summary ("1 test groups: F failed, S skipped ...",
# "base protocol: f/n individual commands failed", "extensions: f/n ...") and its first failure.
function ConvertFrom-ImaptestScriptRun($Run) {
    $text = $Run.StdOut + "`n" + $Run.StdErr
    $commands = 0; $failedCommands = 0
    foreach ($m in [regex]::Matches($text, '(?m)^(?:base protocol|extensions): (\d+)/(\d+) individual commands failed')) {
        $failedCommands += [int] $m.Groups[1].Value; $commands += [int] $m.Groups[2].Value
    }
    $failedGroups = if ($text -match '(?m)^\d+ test groups: (\d+) failed') { [int] $Matches[1] } else { $null }
    $firstFailure = if ($text -match '(?m)^\*\*\* Test \S+ (?:command \d+/\d+ \(line (\d+)\)\r?\n - failed: (.*)|initialization failed: (.*))$') {
        if ($Matches[1]) { "line $($Matches[1]): $($Matches[2])" } else { "initialization: $($Matches[3])" }
    }
    elseif ($text -match '(?m)^(Fatal|Panic): (.*)$') { "$($Matches[1]): $($Matches[2])" }
    [pscustomobject]@{ Commands = $commands; FailedCommands = $failedCommands; FailedGroups = $failedGroups; FirstFailure = $firstFailure }
}

# pass / fail / skipped for one script on one server. A script is skipped only when it needs a
# capability the server does not advertise and imaptest indeed ran none of its commands.
function Get-ImaptestVerdict($Run, [string[]] $Missing) {
    $outcome = ConvertFrom-ImaptestScriptRun $Run
    if ($Run.TimedOut) { return [pscustomobject]@{ Result = 'fail'; Detail = 'timed out' } }
    if ($Missing.Count -gt 0 -and $outcome.Commands -eq 0 -and -not $outcome.FailedGroups) {
        return [pscustomobject]@{ Result = 'skipped'; Detail = "not advertised: $($Missing -join ' ')" }
    }
    if ($null -eq $outcome.FailedGroups) { return [pscustomobject]@{ Result = 'fail'; Detail = "no summary from imaptest (exit $($Run.ExitCode)) $($outcome.FirstFailure)" } }
    if ($outcome.FailedGroups -gt 0 -or $outcome.FailedCommands -gt 0 -or $Run.ExitCode -ne 0) {
        return [pscustomobject]@{ Result = 'fail'; Detail = "$($outcome.FailedCommands)/$($outcome.Commands) commands failed; $($outcome.FirstFailure)" }
    }
    if ($outcome.Commands -eq 0) { return [pscustomobject]@{ Result = 'fail'; Detail = 'no command ran' } }
    [pscustomobject]@{ Result = 'pass'; Detail = "$($outcome.Commands) commands" }
}

# A stress run: imaptest's "Totals:" table (one count per command kind) and its Error: lines,
# sorted into NO/BAD replies to commands, malformed replies, and state violations (everything
# imaptest's state tracking objects to: flags, keywords, UIDs, \Recent, EXISTS, expunges).
function ConvertFrom-ImaptestStress($Run, [int] $Seconds) {
    $lines = $Run.StdOut -split "`r?`n"
    $at = [array]::LastIndexOf($lines, 'Totals:')
    $names = @(); $counts = @()
    if ($at -ge 0) {
        $names = @($lines[$at + 1].Trim() -split '\s+')
        $countLine = $lines[($at + 2)..($lines.Count - 1)] | Where-Object { $_ -match '^\s*\d+(\s+\d+)*\s*$' } | Select-Object -First 1
        $counts = @(($countLine ?? '').Trim() -split '\s+' | Where-Object { $_ } | ForEach-Object { [long] $_ })
    }
    $perCommand = [ordered]@{}
    for ($i = 0; $i -lt [math]::Min($names.Count, $counts.Count); $i++) { $perCommand[$names[$i]] = $counts[$i] }
    $total = ($counts | Measure-Object -Sum).Sum
    $errors = @(($Run.StdErr + "`n" + $Run.StdOut) -split "`r?`n" | Where-Object { $_ -match '^(Error|Panic|Fatal): ' })
    $kinds = foreach ($line in $errors) {
        $message = $line -replace '^(Error|Panic|Fatal): (\S+\[\d+\]: )?', ''
        $kind = if ($message -match '^[A-Z0-9]+ failed\b') { 'reply' }
                elseif ($message -match '^(BAD reply|Broken|Invalid|Unexpected|Malformed|error parsing|Error parsing)|didn''t return|isn''t a list|non-atoms|contains invalid') { 'protocol' }
                else { 'state' }
        # Tags and numbers vary from line to line; without them the same complaint groups together.
        [pscustomobject]@{ Kind = $kind; Text = ($message -replace '\d+(\.\d+)?', '#') }
    }
    [pscustomobject]@{
        Completed = $at -ge 0 -and -not $Run.TimedOut
        PerCommand = $perCommand
        Commands = [long] $total
        CommandsPerSecond = if ($Seconds -gt 0) { [math]::Round($total / $Seconds, 1) } else { 0 }
        LoginsPerSecond = if ($perCommand.Contains('Logi')) { [math]::Round($perCommand['Logi'] / $Seconds, 1) } else { 0 }
        Errors = $errors.Count
        ReplyErrors = @($kinds | Where-Object Kind -EQ 'reply').Count
        ProtocolErrors = @($kinds | Where-Object Kind -EQ 'protocol').Count
        StateViolations = @($kinds | Where-Object Kind -EQ 'state').Count
        TopErrors = @($kinds | Group-Object Text | Sort-Object Count -Descending | Select-Object -First 8 | ForEach-Object { '{0,5} x {1}' -f $_.Count, $_.Name })
    }
}

# The mbox the stress run APPENDs from: the messages of the scripts' own mboxes (varied MIME,
# addresses, sizes), each with a Message-ID of its own. imaptest's state tracking takes two
# messages with one Message-ID for the same message and reports their differences as the
# server's fault; the scripts' mboxes reuse IDs such as <a@b> from file to file.
function New-ImaptestStressMbox([string] $TestsPath, [string] $Destination) {
    $builder = [Text.StringBuilder]::new()
    $number = 0
    foreach ($file in Get-ChildItem $TestsPath -Filter '*.mbox' -File | Sort-Object Name) {
        $text = [IO.File]::ReadAllText($file.FullName) -replace "`r`n", "`n"
        foreach ($message in [regex]::Split($text, '(?m)^(?=From )') | Where-Object { $_.StartsWith('From ') }) {
            $number++
            $headerEnd = $message.IndexOf("`n`n")
            if ($headerEnd -lt 0) { $headerEnd = $message.Length }
            # Without the old Message-ID (and its folded continuation lines), then a new one.
            $header = [regex]::Replace($message.Substring(0, $headerEnd), '(?mi)^Message-ID:.*(\n[ \t].*)*\n?', '')
            $envelope, $fields = $header -split "`n", 2
            [void] $builder.Append($envelope).Append("`nMessage-ID: <imaptest-stress-$number@example.com>`n")
            if ($fields) { [void] $builder.Append($fields.TrimEnd("`n")).Append("`n") }
            # The empty line that ends the header, the body, and one empty line before the next From_.
            $body = if ($headerEnd -lt $message.Length) { $message.Substring($headerEnd + 1).TrimEnd("`n") } else { '' }
            [void] $builder.Append($body).Append("`n`n")
        }
    }
    [IO.File]::WriteAllText($Destination, $builder.ToString())
}
