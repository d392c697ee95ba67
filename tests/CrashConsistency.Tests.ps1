# kill -9 of the server while an IMAP client (python3 imaplib) runs UID MOVE / UID COPY of 400 messages, or
# APPEND, STORE flags and EXPUNGE at once: after the restart nothing is lost or duplicated, a MOVE or COPY is
# all or nothing, UIDVALIDITY holds, UIDs never go back, and everything answered OK is there
# (tests/tools/imap_crash.py does the client side and the checks).
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    $script:client = Join-Path $PSScriptRoot 'tools/imap_crash.py'
    $script:folder = New-TestFolder 'crash-consistency'
    $script:store = Join-Path $folder 'store'
    $script:log = Join-Path $folder 'ops.jsonl'
    $script:state = Join-Path $folder 'state.json'
    $script:user = 'crash@crash.test'
    $script:password = 'Crash-Passw0rd'
    New-MailAccount -Path $store -Address $user -Password (ConvertTo-SecureString $password -AsPlainText -Force) | Out-Null

    # The server runs in its own process, so that it can be killed outright (SIGKILL).
    function Start-CrashServer {
        Start-ServerProcess "-Name crash -Path '$store' -Domain crash.test -AllowInsecureAuth -FreePorts -Disable Imaps, Pop3s, Submission" -Protocol imap
    }
}

AfterAll {
    if ($script:server -and -not $script:server.Process.HasExited) { Stop-Process -Id $script:server.Process.Id -Force }
}

Describe 'Crash consistency under kill -9' -Skip:(-not (Find-Program python3) -or $IsWindows) {
    BeforeAll { $script:server = Start-CrashServer }

    It 'iteration <Iteration>: kill -9 during <Mode>' -ForEach @(
        @{ Iteration = 1; Mode = 'move' }, @{ Iteration = 2; Mode = 'copy' }, @{ Iteration = 3; Mode = 'mixed' },
        @{ Iteration = 4; Mode = 'move' }, @{ Iteration = 5; Mode = 'copy' }, @{ Iteration = 6; Mode = 'mixed' }
    ) {
        # The client seeds 400 messages, times a COPY of them, then starts the operation and has the server
        # killed at a random moment within that time (mixed: within 0.3-1.2 s of APPEND/STORE/EXPUNGE traffic).
        $runOutput = & python3 $client run $server.Port $user $password $log $server.Process.Id $Iteration $Mode 2>&1
        $server.Process.WaitForExit(30000) | Should -BeTrue -Because "the client kills the server ($runOutput)"
        $script:server = Start-CrashServer
        $checkOutput = & python3 $client check $server.Port $user $password $log $state 2>&1
        $checkExit = $LASTEXITCODE
        Write-Host ($checkOutput -join "`n")
        $checkExit | Should -Be 0 -Because ($checkOutput -join "`n")
    }
}
