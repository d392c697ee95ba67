# Real IMAP and POP3 clients that nobody here wrote read the mail our server stores.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    $script:server = Start-TestServer -Name mailbox -Domain example.com -Extra @{ ImapPort = 0; ImapsPort = 0; Pop3Port = 0; Pop3sPort = 0 }
    New-MailAccount -Server mailbox -Address ann@example.com -Password (ConvertTo-TestSecureString 'Ann-Passw0rd') | Out-Null
    $script:imap = $server.Port('imap')
    $script:imaps = $server.Port('imaps')
    $script:pop3 = $server.Port('pop3')
    $script:pop3s = $server.Port('pop3s')
    $script:folder = New-TestFolder 'imappop3'
    # The server's self-signed certificate, for clients that verify (mbsync).
    $script:certPem = Join-Path $folder 'server.pem'
    Set-Content $certPem ("-----BEGIN CERTIFICATE-----`n" + [Convert]::ToBase64String($server.Certificate.RawData, 'InsertLineBreaks') + "`n-----END CERTIFICATE-----")

    function Send-ToAnn([string] $Subject, [string] $Body = 'body') {
        Send-MailMessage -SmtpServer 127.0.0.1 -Port $server.Port('smtp') -From 'sender@remote.test' -To 'ann@example.com' -Subject $Subject -Body $Body -WarningAction SilentlyContinue
        $null = Get-MailServerMessage -Server mailbox -Account ann@example.com -Subject $Subject -Wait -Timeout 10
    }
}

AfterAll {
    Stop-MailServer -Name mailbox
}

Describe 'IMAP clients' {
    BeforeEach { Clear-MailServerMessage -Server mailbox -Confirm:$false }

    It 'serves Python imaplib over STARTTLS: login, select, search, fetch exact bytes, store' -Skip:(-not (Find-Program python3)) {
        Send-ToAnn 'imaplib one' 'first body'
        Send-ToAnn 'imaplib two' 'second body'
        $script = @'
import imaplib, ssl, sys, hashlib
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.starttls(ssl_context=ctx)
m.login("ann@example.com", "Ann-Passw0rd")
typ, data = m.select("INBOX")
print("exists", data[0].decode())
typ, data = m.search(None, "SUBJECT", "two")
print("search", data[0].decode())
typ, data = m.uid("FETCH", "1:*", "(UID RFC822.SIZE BODY.PEEK[])")
for part in data:
    if isinstance(part, tuple):
        print("sha", hashlib.sha256(part[1]).hexdigest())
typ, data = m.store("1", "+FLAGS", "(\\Flagged)")
print("store", typ)
typ, data = m.fetch("1", "(FLAGS)")
print("flags", data[0].decode())
m.logout()
'@
        $out = Invoke-Python $script @("$imap")
        $out | Should -Contain 'exists 2'
        $out | Should -Contain 'search 2'
        $out | Should -Contain 'store OK'
        ($out | Where-Object { $_ -like 'flags*' }) | Should -Match '\\Flagged'
        $expected = Get-MailServerMessage -Server mailbox -Account ann@example.com | ForEach-Object {
            'sha ' + [BitConverter]::ToString([Security.Cryptography.SHA256]::HashData($_.GetBytes())).Replace('-', '').ToLowerInvariant()
        }
        @($out | Where-Object { $_ -like 'sha *' }) | Should -Be @($expected)
    }

    It 'serves MailKit ImapClient over IMAPS: fetch, search, move to Trash, append' {
        Send-ToAnn 'mailkit imap'
        $deps = Join-Path (Split-Path (Get-Module MailAdmin).Path) 'deps'
        Add-Type -Path (Join-Path $deps 'BouncyCastle.Cryptography.dll'), (Join-Path $deps 'MimeKit.dll'), (Join-Path $deps 'MailKit.dll') -ErrorAction SilentlyContinue
        $client = [MailKit.Net.Imap.ImapClient]::new()
        try {
            $client.ServerCertificateValidationCallback = { $true }
            $client.Connect('127.0.0.1', $imaps, [MailKit.Security.SecureSocketOptions]::SslOnConnect)
            $client.Authenticate('ann@example.com', 'Ann-Passw0rd')
            $inbox = $client.Inbox
            $null = $inbox.Open([MailKit.FolderAccess]::ReadWrite)
            $inbox.Count | Should -Be 1
            $uids = $inbox.Search([MailKit.Search.SearchQuery]::SubjectContains('mailkit'))
            $uids.Count | Should -Be 1
            $inbox.GetMessage($uids[0]).Subject | Should -Be 'mailkit imap'
            $trash = $client.GetFolder([MailKit.SpecialFolder]::Trash)
            $null = $inbox.MoveTo($uids[0], $trash)
            $inbox.Count | Should -Be 0
            $appended = New-MailMessage -From 'ann@example.com' -To 'ann@example.com' -Subject 'appended by MailKit'
            # Bytes cross over: on PowerShell 7 .MimeMessage is our MimeKit copy, in the module's own load context.
            $null = $inbox.Append([MailKit.AppendRequest]::new([MimeKit.MimeMessage]::Load([IO.MemoryStream]::new($appended.GetBytes()))), [Threading.CancellationToken]::None)
            (Get-MailServerMessage -Server mailbox -Account ann@example.com -Subject 'appended by MailKit').Count | Should -Be 1
        }
        finally { $client.Disconnect($true); $client.Dispose() }
    }

    It 'serves curl over IMAP with STARTTLS' -Skip:(-not (Find-Program curl)) {
        Send-ToAnn 'curl imap' 'curl imap body'
        $list = curl --silent --show-error --ssl-reqd --insecure --user 'ann@example.com:Ann-Passw0rd' "imap://127.0.0.1:$imap/" 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($list -join "`n")
        ($list -join "`n") | Should -Match 'INBOX'
        $body = curl --silent --show-error --ssl-reqd --insecure --user 'ann@example.com:Ann-Passw0rd' "imap://127.0.0.1:$imap/INBOX;UID=*" 2>&1
        ($body -join "`n") | Should -Match 'curl imap body'
    }

    It 'syncs both ways with mbsync' -Skip:(-not (Find-Program mbsync)) {
        Send-ToAnn 'from the server'
        $local = Join-Path $folder 'mbsync-local'
        New-Item -ItemType Directory -Path $local -Force | Out-Null
        $rc = Join-Path $folder 'mbsyncrc'
        @"
IMAPAccount ours
Host 127.0.0.1
Port $imap
User ann@example.com
Pass Ann-Passw0rd
SSLType STARTTLS
CertificateFile $certPem
SystemCertificates no

IMAPStore remote
Account ours

MaildirStore local
Path $local/
Inbox $local/INBOX
SubFolders Verbatim

Channel sync
Far :remote:
Near :local:
Patterns INBOX
Create Both
Expunge None
SyncState *
"@ | Set-Content $rc
        $out = mbsync -c $rc -a 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        $pulled = @(Get-ChildItem -Recurse -File (Join-Path $local 'INBOX') | Where-Object { $_.Directory.Name -in 'new', 'cur' })
        $pulled.Count | Should -Be 1
        (Get-Content -Raw $pulled[0].FullName) | Should -Match 'Subject: from the server'
        # A message made locally goes up on the next sync (APPEND).
        $name = "$([DateTimeOffset]::UtcNow.ToUnixTimeSeconds()).local.mbsync"
        $newMessage = New-MailMessage -From 'ann@example.com' -To 'ann@example.com' -Subject 'from the client'
        [IO.File]::WriteAllBytes((Join-Path $local "INBOX/new/$name"), $newMessage.GetBytes())
        $out = mbsync -c $rc -a 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        (Get-MailServerMessage -Server mailbox -Account ann@example.com -Subject 'from the client').Count | Should -Be 1
    }
}

Describe 'IMAP in mutt' {
    BeforeEach { Clear-MailServerMessage -Server mailbox -Confirm:$false }

    It 'serves mutt in batch mode: it copies the message out of INBOX over IMAPS' -Skip:(-not (Find-Program mutt) -or -not (Find-Program script)) {
        Send-ToAnn 'for mutt' 'mutt body'
        $dir = Join-Path $folder 'mutt'
        New-Item -ItemType Directory -Path $dir -Force | Out-Null
        # mutt trusts the certificates in certificate_file: ours goes there.
        Copy-Item $certPem (Join-Path $dir 'certs')
        @"
set folder = "imaps://ann%40example.com@127.0.0.1:$imaps/"
set imap_pass = "Ann-Passw0rd"
set spoolfile = "+INBOX"
set ssl_verify_host = no
set certificate_file = "$dir/certs"
set mbox_type = Maildir
set confirmappend = no
set confirmcreate = no
"@ | Set-Content (Join-Path $dir 'muttrc')
        # Batch: mutt runs its keys from 'push' and quits; script gives it the terminal it wants.
        $env:TERM = 'xterm'
        $command = "mutt -n -F $dir/muttrc -e 'push ""<tag-pattern>~A<enter><tag-prefix><copy-message>$dir/saved<enter><quit>""'"
        $null = timeout 30 script -qec $command /dev/null
        $LASTEXITCODE | Should -Be 0
        $copied = @(Get-ChildItem -Recurse -File (Join-Path $dir 'saved') -ErrorAction SilentlyContinue | Where-Object { $_.Directory.Name -in 'new', 'cur' })
        $copied.Count | Should -Be 1
        (Get-Content -Raw $copied[0].FullName) | Should -Match 'Subject: for mutt'
        (Get-Content -Raw $copied[0].FullName) | Should -Match 'mutt body'
    }
}

Describe 'POP3 clients' {
    BeforeEach { Clear-MailServerMessage -Server mailbox -Confirm:$false }

    It 'serves Python poplib over STLS: stat, uidl, retr, dele applied at QUIT' -Skip:(-not (Find-Program python3)) {
        Send-ToAnn 'poplib one'
        Send-ToAnn 'poplib two'
        $script = @'
import poplib, ssl, sys, hashlib
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=20)
p.stls(context=ctx)
p.user("ann@example.com"); p.pass_("Ann-Passw0rd")
count, size = p.stat()
print("stat", count)
for line in p.uidl()[1]:
    print("uidl", line.decode())
resp, lines, octets = p.retr(1)
print("retr", len(lines) > 0)
p.dele(1)
p.quit()
'@
        $out = Invoke-Python $script @("$pop3")
        $out | Should -Contain 'stat 2'
        @($out | Where-Object { $_ -like 'uidl *' }).Count | Should -Be 2
        $out | Should -Contain 'retr True'
        @(Get-MailServerMessage -Server mailbox -Account ann@example.com).Subject | Should -Be @('poplib two')
        # UIDL is stable: the same for the message that is left, in a new session.
        $again = Invoke-Python @'
import poplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
p = poplib.POP3_SSL("127.0.0.1", int(sys.argv[1]), context=ctx, timeout=20)
p.user("ann@example.com"); p.pass_("Ann-Passw0rd")
for line in p.uidl()[1]:
    print("uidl", line.decode().split(" ", 1)[1])
p.quit()
'@ @("$pop3s")
        $secondUidl = ($out | Where-Object { $_ -like 'uidl 2 *' }) -replace '^uidl 2 ', ''
        $again | Should -Be "uidl $secondUidl"
    }

    It 'serves MailKit Pop3Client over POP3S' {
        Send-ToAnn 'mailkit pop3'
        $deps = Join-Path (Split-Path (Get-Module MailAdmin).Path) 'deps'
        Add-Type -Path (Join-Path $deps 'BouncyCastle.Cryptography.dll'), (Join-Path $deps 'MimeKit.dll'), (Join-Path $deps 'MailKit.dll') -ErrorAction SilentlyContinue
        $client = [MailKit.Net.Pop3.Pop3Client]::new()
        try {
            $client.ServerCertificateValidationCallback = { $true }
            $client.Connect('127.0.0.1', $pop3s, [MailKit.Security.SecureSocketOptions]::SslOnConnect)
            $client.Authenticate('ann@example.com', 'Ann-Passw0rd')
            $client.Count | Should -Be 1
            $client.GetMessage(0).Subject | Should -Be 'mailkit pop3'
        }
        finally { $client.Disconnect($true); $client.Dispose() }
    }

    It 'serves curl over POP3 with STARTTLS' -Skip:(-not (Find-Program curl)) {
        Send-ToAnn 'curl pop3' 'curl pop3 body'
        $out = curl --silent --show-error --ssl-reqd --insecure --user 'ann@example.com:Ann-Passw0rd' "pop3://127.0.0.1:$pop3/1" 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        ($out -join "`n") | Should -Match 'curl pop3 body'
    }

    It 'delivers to fetchmail, which keeps nothing on the server' -Skip:(-not (Find-Program fetchmail)) {
        Send-ToAnn 'fetchmail one' 'fetched body'
        $out = Join-Path $folder 'fetched.txt'
        $rc = Join-Path $folder 'fetchmailrc'
        @"
set no syslog
poll 127.0.0.1 service $pop3s protocol POP3 auth password
  user 'ann@example.com' there with password 'Ann-Passw0rd' is 'root' here
  ssl no sslcertck
  mda "/bin/sh -c 'cat >> $out'"
"@ | Set-Content $rc
        & chmod 600 $rc
        $log = fetchmail -f $rc --nokeep 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($log -join "`n")
        (Get-Content -Raw $out) | Should -Match 'fetched body'
        @(Get-MailServerMessage -Server mailbox -Account ann@example.com).Count | Should -Be 0
    }
}
