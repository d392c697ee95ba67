# Get-Pop3Message and Remove-Pop3Message against our server and Dovecot (checked with Python's
# poplib, an independent client), and against a server that hangs up mid-command.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ClientTestHelpers.ps1')

    $script:work = New-TestFolder 'pop3-message'

    # poplib: 'list' (number, UIDL, size of each message), 'retr N' (base64 of the bytes), 'dele N', 'clear' (DELE all); then QUIT.
    $script:PopScript = @'
import base64, json, poplib, sys
host, port, user, password, action = sys.argv[1:6]
p = poplib.POP3(host, int(port), timeout=20)
p.user(user); p.pass_(password)
if action == 'list':
    uids = dict(l.decode().split(' ', 1) for l in p.uidl()[1])
    sizes = dict(l.decode().split(' ', 1) for l in p.list()[1])
    print(json.dumps([{'Number': int(n), 'Uid': uids[n], 'Size': int(sizes[n])} for n in sorted(uids, key=int)]))
elif action == 'retr':
    lines = p.retr(int(sys.argv[6]))[1]
    print(base64.b64encode(b''.join(l + b'\r\n' for l in lines)).decode())
elif action == 'dele':
    p.dele(int(sys.argv[6]))
elif action == 'clear':
    for n in range(1, p.stat()[0] + 1):
        p.dele(n)
p.quit()
'@
    $script:SmtpScript = @'
import smtplib, sys
host, port, rcpt, path = sys.argv[1:5]
with smtplib.SMTP(host, int(port), timeout=20) as s:
    s.sendmail('sender@example.org', [rcpt], open(path, 'rb').read())
'@
    $script:AppendScript = @'
import imaplib, sys
host, port, user, password, path = sys.argv[1:6]
i = imaplib.IMAP4(host, int(port))
i.login(user, password)
typ, data = i.append('INBOX', None, None, open(path, 'rb').read())
assert typ == 'OK', data
i.logout()
'@

    function Invoke-Pop([object] $Peer, [string] $Action, [string[]] $Extra = @()) {
        $password = $Peer.Credential.GetNetworkCredential().Password
        Invoke-Python $PopScript (@($Peer.Host, [string] $Peer.Pop3Port, $Peer.Address, $password, $Action) + $Extra)
    }
    function Get-PopListing([object] $Peer) { @(Invoke-Pop $Peer list | ConvertFrom-Json) }
    function Get-PopBytes([object] $Peer, [int] $Number) { [Convert]::FromBase64String((Invoke-Pop $Peer retr ([string] $Number))) }
    function Clear-PopMaildrop([object] $Peer) { Invoke-Pop $Peer clear | Out-Null }

    # A message of a few kB with a unique subject; its CRLF bytes are kept to compare with.
    function New-PopTestMessage([string] $Subject) {
        $lines = @(
            'From: Sender <sender@example.org>', "To: $($lab.Address)", "Subject: $Subject",
            "Message-ID: <$([guid]::NewGuid().ToString('n'))@example.org>", 'Date: Thu, 26 Nov 2026 10:00:00 +0000',
            'MIME-Version: 1.0', 'Content-Type: text/plain; charset=us-ascii', '')
        $lines += 1..60 | ForEach-Object { "Line $_ of $Subject, long enough to make the body weigh more than the header." }
        $lines += '.a line that starts with a dot (byte-stuffed on the wire)'
        $bytes = [Text.Encoding]::ASCII.GetBytes(($lines -join "`r`n") + "`r`n")
        $path = Join-Path $work "$([guid]::NewGuid().ToString('n')).eml"
        [IO.File]::WriteAllBytes($path, $bytes)
        [pscustomobject]@{ Subject = $Subject; Bytes = $bytes; Path = $path }
    }

    # Puts the messages in the peer's INBOX: SMTP to our server, IMAP APPEND to Dovecot's Maildir.
    function Add-PopTestMessage([object] $Peer, [string[]] $Subject) {
        foreach ($s in $Subject) {
            $message = New-PopTestMessage $s
            if ($Peer.Kind -eq 'ours') { Invoke-Python $SmtpScript @($Peer.Host, [string] $Peer.SmtpPort, $Peer.Address, $message.Path) | Out-Null }
            else { Invoke-Python $AppendScript @($Peer.Host, [string] $Peer.ImapPort, $Peer.Address, $Peer.Credential.GetNetworkCredential().Password, $message.Path) | Out-Null }
            $message
        }
    }

    function Test-EndsWith([byte[]] $Bytes, [byte[]] $Tail) {
        if ($Bytes.Length -lt $Tail.Length) { return $false }
        [Linq.Enumerable]::SequenceEqual([byte[]] $Bytes[($Bytes.Length - $Tail.Length)..($Bytes.Length - 1)], $Tail)
    }

    $script:lab = Start-ClientLab
    $script:labPeer = [pscustomobject]@{ Kind = 'ours'; Host = $lab.Host; Address = $lab.Address; Credential = $lab.Credential; Pop3Port = $lab.Pop3Port; SmtpPort = $lab.SmtpPort }
    $script:dovecot = Start-DovecotPeer
    $script:dovecotReason = $PeerSkipReason
    $script:dovecotPeer = if ($dovecot) { [pscustomobject]@{ Kind = 'dovecot'; Host = $dovecot.Host; Address = $dovecot.Address; Credential = $dovecot.Credential; Pop3Port = $dovecot.Pop3Port; ImapPort = $dovecot.ImapPort } }
    if (-not (Find-Program python3)) { $script:pythonReason = 'python3 is not installed' }
}

AfterAll {
    Stop-DovecotPeer $dovecot
    Stop-ClientLab $lab
}

Describe 'POP3 messages on <_>' -ForEach 'ours', 'dovecot' {
    BeforeAll {
        $script:kind = $_
    }
    BeforeEach {
        $script:peer = if ($kind -eq 'ours') { $labPeer } else { $dovecotPeer }
        $script:skip = if ($pythonReason) { $pythonReason } elseif (-not $peer) { $dovecotReason } else { $null }
        if (-not $skip) { Clear-PopMaildrop $peer }
        $script:connection = if ($peer) { @{ Server = $peer.Host; Port = $peer.Pop3Port; Credential = $peer.Credential; Secure = 'None' } }
    }

    It 'reads every message oldest first, whole, with the bytes poplib reads and the UIDL as identity' {
        if ($skip) { Set-ItResult -Skipped -Because $skip; return }
        $sent = Add-PopTestMessage $peer 'one', 'two', 'three'
        $messages = @(Get-Pop3Message @connection)
        $listing = Get-PopListing $peer
        $messages.Subject | Should -Be @('one', 'two', 'three')
        $messages.Origin.Uid | Should -Be $listing.Uid
        @($messages.Origin.Uid | Sort-Object -Unique).Count | Should -Be 3
        for ($i = 0; $i -lt 3; $i++) {
            $messages[$i].HasBody | Should -BeTrue
            $messages[$i].Size | Should -Be $listing[$i].Size
            [Linq.Enumerable]::SequenceEqual($messages[$i].GetBytes(), [byte[]] (Get-PopBytes $peer ($i + 1))) | Should -BeTrue
            # Our server adds trace lines in front; what was delivered follows unchanged.
            Test-EndsWith $messages[$i].GetBytes() $sent[$i].Bytes | Should -BeTrue
        }
        $messages[0].Source | Should -BeLike "pop://$($peer.Host):$($peer.Pop3Port)/;UID=$($listing[0].Uid)"
        $messages[0].PSObject.TypeNames[0] | Should -Be 'MailAdmin.Messages.MailMessage#Pop3'
    }

    It '-First takes the oldest, -Last the newest' {
        if ($skip) { Set-ItResult -Skipped -Because $skip; return }
        Add-PopTestMessage $peer 'oldest', 'middle', 'newest' | Out-Null
        (Get-Pop3Message @connection -First 2).Subject | Should -Be @('oldest', 'middle')
        (Get-Pop3Message @connection -Last 1).Subject | Should -Be 'newest'
        (Get-Pop3Message @connection -First 10).Subject | Should -Be @('oldest', 'middle', 'newest')
    }

    It '-HeadersOnly reads the header with the listed size; the body loads on demand, identical' {
        if ($skip) { Set-ItResult -Skipped -Because $skip; return }
        $sent = Add-PopTestMessage $peer 'headers only'
        $listing = Get-PopListing $peer
        $expected = Get-PopBytes $peer 1
        $session = Connect-Pop3Server @connection
        try {
            $message = Get-Pop3Message -Session $session -HeadersOnly
            $message.HasBody | Should -BeFalse
            $message.Subject | Should -Be 'headers only'
            $message.Size | Should -Be $listing[0].Size
            $message.Origin.Uid | Should -Be $listing[0].Uid
            $bytes = $message.GetBytes()
            $message.HasBody | Should -BeTrue
            [Linq.Enumerable]::SequenceEqual($bytes, [byte[]] $expected) | Should -BeTrue
            Test-EndsWith $bytes $sent[0].Bytes | Should -BeTrue
            $bytes.Length | Should -Be $listing[0].Size
        }
        finally { Disconnect-Pop3Server -Session $session }
    }

    It 'a UIDL names the same message in a later session, where the numbers have moved' {
        if ($skip) { Set-ItResult -Skipped -Because $skip; return }
        Add-PopTestMessage $peer 'first', 'second', 'third' | Out-Null
        $before = @(Get-Pop3Message @connection)
        Invoke-Pop $peer dele 1 | Out-Null
        $after = @(Get-Pop3Message @connection)
        $after.Origin.Uid | Should -Be $before[1..2].Origin.Uid
        $third = Get-Pop3Message @connection -Uid $before[2].Origin.Uid
        $third.Subject | Should -Be 'third'
        $third.Origin.Index | Should -Be 1
        $before[2].Origin.Index | Should -Be 2
    }

    It 'streams in batches: downstream commands use the same session while Get-Pop3Message runs' {
        if ($skip) { Set-ItResult -Skipped -Because $skip; return }
        # More than one batch (25), so the session is left and taken again in between.
        Add-PopTestMessage $peer (1..30 | ForEach-Object { "bulk $_" }) | Out-Null
        $listing = Get-PopListing $peer
        $session = Connect-Pop3Server @connection
        try {
            # Each lazy body load and each DELE takes its turn on the session Get-Pop3Message is reading.
            $sizes = Get-Pop3Message -Session $session -HeadersOnly | ForEach-Object {
                $length = $_.GetBytes().Length
                if ($_.Subject -in 'bulk 2', 'bulk 29') { $_ | Remove-Pop3Message }
                $length
            }
            $sizes | Should -Be $listing.Size
        }
        finally { Disconnect-Pop3Server -Session $session }
        (Get-PopListing $peer).Uid | Should -Be ($listing.Uid | Where-Object { $_ -notin $listing[1].Uid, $listing[28].Uid })
    }

    It 'Remove-Pop3Message matches piped messages from another session by UIDL, and -Uid; QUIT at Disconnect deletes' {
        if ($skip) { Set-ItResult -Skipped -Because $skip; return }
        Add-PopTestMessage $peer 'a', 'b', 'c', 'd' | Out-Null
        $read = @(Get-Pop3Message @connection -HeadersOnly)
        $session = Connect-Pop3Server @connection
        try {
            $read | Where-Object Subject -eq 'a' | Remove-Pop3Message -Session $session
            Remove-Pop3Message -Session $session -Uid $read[2].Origin.Uid
            # Marked, not yet deleted: this session no longer lists them.
            (Get-Pop3Message -Session $session -HeadersOnly).Subject | Should -Be @('b', 'd')
        }
        finally { Disconnect-Pop3Server -Session $session }
        (Get-PopListing $peer).Uid | Should -Be @($read[1].Origin.Uid, $read[3].Origin.Uid)
    }

    It 'a connection of its own deletes at the end of the command (-Uid, and piped from Get-Pop3Message -Server)' {
        if ($skip) { Set-ItResult -Skipped -Because $skip; return }
        Add-PopTestMessage $peer 'keep', 'drop by uid', 'drop by pipe', 'keep too' | Out-Null
        $listing = Get-PopListing $peer
        Remove-Pop3Message @connection -Uid $listing[1].Uid
        (Get-PopListing $peer).Uid | Should -Be @($listing[0].Uid, $listing[2].Uid, $listing[3].Uid)
        # The pipeline deletes in Get's own session, which ends (QUIT) with Get.
        Get-Pop3Message @connection -HeadersOnly | Where-Object Subject -eq 'drop by pipe' | Remove-Pop3Message
        (Get-PopListing $peer).Uid | Should -Be @($listing[0].Uid, $listing[3].Uid)
        Remove-Pop3Message @connection -All
        Get-PopListing $peer | Should -BeNullOrEmpty
    }

    It '-WhatIf removes nothing' {
        if ($skip) { Set-ItResult -Skipped -Because $skip; return }
        Add-PopTestMessage $peer 'x', 'y' | Out-Null
        $listing = Get-PopListing $peer
        Remove-Pop3Message @connection -All -WhatIf
        Remove-Pop3Message @connection -Uid $listing[0].Uid -WhatIf
        Get-Pop3Message @connection -HeadersOnly | Remove-Pop3Message -WhatIf
        (Get-PopListing $peer).Uid | Should -Be $listing.Uid
    }

    It 'a UIDL that is not there is a non-terminating Pop3MessageNotFound; the others go on' {
        if ($skip) { Set-ItResult -Skipped -Because $skip; return }
        Add-PopTestMessage $peer 'here', 'also here' | Out-Null
        $listing = Get-PopListing $peer
        $found = Get-Pop3Message @connection -Uid 'no-such-uidl', $listing[1].Uid -ErrorVariable getErrors -ErrorAction SilentlyContinue
        $found.Subject | Should -Be 'also here'
        $getErrors.Count | Should -Be 1
        $getErrors[0].FullyQualifiedErrorId | Should -BeLike 'Pop3MessageNotFound,*'
        $getErrors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Remove-Pop3Message @connection -Uid 'no-such-uidl', $listing[0].Uid -ErrorVariable removeErrors -ErrorAction SilentlyContinue
        $removeErrors.Count | Should -Be 1
        $removeErrors[0].FullyQualifiedErrorId | Should -BeLike 'Pop3MessageNotFound,*'
        (Get-PopListing $peer).Uid | Should -Be $listing[1].Uid
    }
}

Describe 'A POP3 server that hangs up mid-command' {
    It 'RETR cut off is Pop3ConnectionLost (terminating: nothing more can be read)' {
        if ($pythonReason) { Set-ItResult -Skipped -Because $pythonReason; return }
        $fake = Start-FakeServer -Mode pop3-close-on -Trigger RETR
        try {
            { Get-Pop3Message -Server 127.0.0.1 -Port $fake.Port -Secure None -Credential $lab.Credential -ErrorAction Stop } |
                Should -Throw -ErrorId 'Pop3ConnectionLost,*'
        }
        finally { Stop-FakeServer $fake }
    }

    It 'headers come by TOP; the lazy body load then fails with Pop3ConnectionLost' {
        if ($pythonReason) { Set-ItResult -Skipped -Because $pythonReason; return }
        $fake = Start-FakeServer -Mode pop3-close-on -Trigger RETR
        $session = Connect-Pop3Server -Server 127.0.0.1 -Port $fake.Port -Secure None -Credential $lab.Credential
        try {
            $messages = @(Get-Pop3Message -Session $session -HeadersOnly)
            $messages.Subject | Should -Be @('fake 1', 'fake 2')
            $messages.Origin.Uid | Should -Be @('fake-uid-1', 'fake-uid-2')
            $failure = $null
            try { $messages[0].GetBytes() } catch { $failure = $_.Exception }
            # PowerShell wraps what a method throws (MethodInvocationException): find ours inside.
            while ($failure -and $failure -isnot [MailAdmin.Client.MailClientException]) { $failure = $failure.InnerException }
            $failure | Should -BeOfType ([MailAdmin.Client.MailClientException])
            $failure.ErrorId | Should -Be 'Pop3ConnectionLost'
        }
        finally {
            Disconnect-Pop3Server -Session $session
            Stop-FakeServer $fake
        }
    }
}
