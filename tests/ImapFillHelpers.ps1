# Fills an IMAP mailbox over APPEND (python imaplib), for the Get-ImapMessage and folder tests:
# three messages whose senders, recipients, subjects, bodies, dates, flags and sizes differ, so
# a search that ignored a criterion would return the wrong set.
function Add-ImapTestMessages {
    param([Parameter(Mandatory)] $Peer, [string] $Folder = 'INBOX')
    $script = @'
import imaplib, sys
port, user, password, folder = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
m = imaplib.IMAP4('127.0.0.1', port)
m.login(user, password)
def msg(sender, to, subject, body, attachment=None):
    head = 'From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <%s@test>\r\nMIME-Version: 1.0\r\n' % (sender, to, subject, subject.replace(' ', '.'))
    if attachment is None:
        return (head + 'Content-Type: text/plain\r\n\r\n' + body + '\r\n').encode()
    return (head + 'Content-Type: multipart/mixed; boundary=bb\r\n\r\n--bb\r\nContent-Type: text/plain\r\n\r\n' + body +
            '\r\n--bb\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=data.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n' +
            attachment + '\r\n--bb--\r\n').encode()
m.append(folder, '(\\Seen)', '"01-Jan-2020 10:00:00 +0000"', msg('alice@example.com', 'bob@example.com', 'alpha report', 'pineapple'))
m.append(folder, '(\\Flagged)', '"01-Jun-2023 10:00:00 +0000"', msg('carol@example.com', 'dave@example.com', 'beta', 'banana', ('QUJD' * 19 + '\r\n') * 60))
m.append(folder, '()', '"01-Jan-2025 10:00:00 +0000"', msg('alice@example.com', 'erin@example.com', 'gamma', 'cherry'))
m.logout()
'@
    Invoke-Python $script @([string] $Peer.ImapPort, $Peer.Address, 'Ann-Passw0rd', $Folder) | Out-Null
}

# The lab server and Dovecot as test cases: @{ Peer = 'Lab' }, @{ Peer = 'Dovecot' }.
function Start-ImapPeer([string] $Kind) {
    if ($Kind -eq 'Lab') { return Start-ClientLab }
    Start-DovecotPeer
}

function Stop-ImapPeer([string] $Kind, $Peer) {
    if ($Kind -eq 'Lab') { Stop-ClientLab $Peer } else { Stop-DovecotPeer $Peer }
}
