# A flood of deliveries, then kill -9 of the server's process: every message that got 250 is
# in the store, and no partial message is visible.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
}

Describe 'Durability under kill -9' {
    It 'keeps every acknowledged message and shows no partial one' -Skip:(-not (Find-Program python3) -or $IsWindows) {
        $folder = New-TestFolder 'durability'
        $store = Join-Path $folder 'store'
        $ackFile = Join-Path $folder 'acked.txt'

        # The server runs in its own process, so that it can be killed outright.
        $server = Start-ServerProcess "-Name durable -Path '$store' -CatchAll -FreePorts"
        $process = $server.Process
        $port = $server.Port
        try {
            # Four clients send as fast as they can and log each message the server acknowledged.
            $flood = @'
import smtplib, sys, threading, time
port, ack_path, seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
lock = threading.Lock()
ack = open(ack_path, "a")
stop_at = time.time() + seconds
def client(n):
    i = 0
    while time.time() < stop_at:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=5) as s:
                while time.time() < stop_at:
                    subject = "dur-%d-%d" % (n, i)
                    body = ("line of filler text for %s\r\n" % subject) * 300 + "END " + subject + "\r\n"
                    msg = "From: flood@remote.test\r\nTo: x@example.com\r\nSubject: %s\r\n\r\n%s" % (subject, body)
                    s.sendmail("flood@remote.test", ["x@example.com"], msg)
                    with lock:
                        ack.write(subject + "\n"); ack.flush()
                    i += 1
        except Exception:
            time.sleep(0.05)
threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
for t in threads: t.start()
for t in threads: t.join()
'@
            $floodJob = Start-ThreadJob -ScriptBlock { param($script, $port, $ack) $script | python3 - $port $ack 6 2>&1 } -ArgumentList $flood, $port, $ackFile
            Start-Sleep -Seconds 3
            Stop-Process -Id $process.Id -Force   # SIGKILL: no chance to clean up
            $null = Receive-Job $floodJob -Wait
            Remove-Job $floodJob -Force -ErrorAction SilentlyContinue
        }
        finally {
            if (-not $process.HasExited) { Stop-Process -Id $process.Id -Force }
        }

        $acked = @(Get-Content $ackFile | Where-Object { $_ })
        $acked.Count | Should -BeGreaterThan 20 -Because 'the flood must have delivered something before the kill'

        # Reopen the store as a new server would, and read everything back.
        Start-MailServer -Name reopened -Path $store -CatchAll -FreePorts | Out-Null
        try {
            $stored = @(Get-MailServerMessage -Server reopened)
        }
        finally { Stop-MailServer -Name reopened }
        $subjects = @{}
        foreach ($m in $stored) {
            # A partial message would lack its last line.
            $m.MimeMessage.TextBody | Should -Match ('END ' + [regex]::Escape($m.Subject) + '\s*$')
            $subjects[$m.Subject] = $true
        }
        $missing = @($acked | Where-Object { -not $subjects.ContainsKey($_) })
        $missing.Count | Should -Be 0 -Because "acknowledged but missing: $($missing -join ', ')"
        # tmp/ may hold the killed server's unfinished writes; no reader lists them.
        Write-Host "durability: $($acked.Count) acknowledged, $($stored.Count) stored"
    }
}
