BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    function Get-Text($Message) { [Text.Encoding]::UTF8.GetString($Message.GetBytes()) }
}

Describe 'New-MailMessage' {
    It 'builds a message with the addresses, subject and body given' {
        $m = New-MailMessage -From 'Ann <ann@example.com>' -To 'bob@example.com', 'Carol <carol@example.com>' -Cc 'dave@example.com' -ReplyTo 'help@example.com' -Subject 'Hello' -Body 'Body text'
        $m.From | Should -Be '"Ann" <ann@example.com>'
        $m.To.Count | Should -Be 2
        $m.Cc | Should -Be 'dave@example.com'
        $m.MimeMessage.ReplyTo.Mailboxes.Address | Should -Be 'help@example.com'
        $m.Subject | Should -Be 'Hello'
        $m.MimeMessage.TextBody.Trim() | Should -Be 'Body text'
        $m.MessageId | Should -Match '@example\.com$'
        $m.Date | Should -Not -BeNullOrEmpty
    }

    It 'encodes international names, subjects and IDN domains correctly' {
        $m = New-MailMessage -From 'Jörg Müller <jorg@bücher.example>' -To 'Bob <bob@例え.jp>' -Subject 'Grüße — 你好' -Body 'Ünïcödé'
        $text = Get-Text $m
        $text | Should -Match 'From: =\?utf-8\?[bq]\?'
        $text | Should -Match '<jorg@xn--bcher-kva\.example>'
        $text | Should -Match '<bob@xn--r8jz45g\.jp>'
        $text | Should -Match 'Subject: =\?utf-8\?'
        # ... and decode back to the original text.
        $back = [MailAdmin.Messages.MailMessage]::FromBytes($m.GetBytes())
        $back.Subject | Should -Be 'Grüße — 你好'
        $back.MimeMessage.From.Mailboxes[0].Name | Should -Be 'Jörg Müller'
        $back.MimeMessage.TextBody.Trim() | Should -Be 'Ünïcödé'
        # Only 7-bit bytes on the wire.
        @($m.GetBytes() | Where-Object { $_ -gt 127 }).Count | Should -Be 0
    }

    It 'writes HTML bodies as text/html' {
        $m = New-MailMessage -From 'a@example.com' -To 'b@example.com' -Body '<b>hi</b>' -BodyAsHtml
        $m.MimeMessage.HtmlBody | Should -Match '<b>hi</b>'
    }

    It 'attaches files' {
        $folder = New-TestFolder
        $file = Join-Path $folder 'data.bin'
        [IO.File]::WriteAllBytes($file, [byte[]](0..255))
        $m = New-MailMessage -From 'a@example.com' -To 'b@example.com' -Attachments $file
        $m.AttachmentCount | Should -Be 1
        $part = @($m.MimeMessage.Attachments)[0]
        $part.FileName | Should -Be 'data.bin'
        $out = [IO.MemoryStream]::new()
        $part.Content.DecodeTo($out)
        $out.ToArray() | Should -Be ([byte[]](0..255))
    }

    It 'reports a missing attachment as MailAttachmentNotFound' {
        New-MailMessage -From 'a@example.com' -To 'b@example.com' -Attachments '/no/such/file' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'MailAttachmentNotFound*'
    }

    It 'sets priority headers' {
        $text = Get-Text (New-MailMessage -From 'a@example.com' -To 'b@example.com' -Priority High)
        $text | Should -Match 'X-Priority: 1'
        $text | Should -Match 'Importance: high'
        Get-Text (New-MailMessage -From 'a@example.com' -To 'b@example.com') | Should -Not -Match 'X-Priority'
    }

    It 'adds custom headers, and refuses invalid names' {
        $m = New-MailMessage -From 'a@example.com' -To 'b@example.com' -Header @{ 'X-Ticket' = '4711'; 'X-Note' = 'café' }
        $m.MimeMessage.Headers['X-Ticket'] | Should -Be '4711'
        $m.MimeMessage.Headers['X-Note'] | Should -Be 'café'
        New-MailMessage -From 'a@example.com' -To 'b@example.com' -Header @{ 'Bad Name' = 'x' } -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'MailMessageInvalidArgument*'
    }

    It 'uses the charset given by -Encoding' {
        $m = New-MailMessage -From 'a@example.com' -To 'b@example.com' -Body 'Café' -Encoding 'iso-8859-1'
        $m.MimeMessage.Body.ContentType.Charset | Should -Be 'iso-8859-1'
        $m.MimeMessage.TextBody.Trim() | Should -Be 'Café'
    }

    It 'refuses an invalid address with a clear error' {
        New-MailMessage -From 'not an address@@' -To 'b@example.com' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].Exception.Message | Should -BeLike '*not a valid address*'
    }

    It 'takes the body from the pipeline' {
        ('piped body' | New-MailMessage -From 'a@example.com' -To 'b@example.com').MimeMessage.TextBody.Trim() | Should -Be 'piped body'
    }
}
