@{
    RootModule             = 'MailAdmin.dll'
    ModuleVersion          = '0.1.0'
    GUID                   = '6f0d1c1e-3f7b-4c52-9a51-2c1b8e6d4a10'
    Author                 = 'MailAdmin developers'
    CompanyName            = 'MailAdmin'
    Copyright              = '(c) MailAdmin developers. MIT licence.'
    Description            = 'Mail administration from PowerShell: build, read and export messages; send, read and manage mail on any SMTP, IMAP and POP3 server; check servers, DNS records and addresses; and host a durable SMTP, IMAP and POP3 server over a Maildir store.'
    PowerShellVersion      = '5.1'
    CompatiblePSEditions   = @('Desktop', 'Core')
    FormatsToProcess       = @('MailAdmin.Format.ps1xml')
    TypesToProcess         = @('MailAdmin.Types.ps1xml')
    # Sets up where MailAdmin.Engine and its dependencies load from, before the RootModule's
    # cmdlets are read (src/MailAdmin.Loader/DependencyLoading.cs).
    NestedModules          = @('MailAdmin.Loader.dll')
    CmdletsToExport        = @(
        'New-MailMessage'
        'Import-MailMessage'
        'Export-MailMessage'
        'Get-MailHeader'
        'Get-MailRoute'
        'Get-MailAttachment'
        'Save-MailAttachment'
        'Start-MailServer'
        'Stop-MailServer'
        'Get-MailServer'
        'Add-MailServerRule'
        'Get-MailServerRule'
        'Remove-MailServerRule'
        'Test-MailServer'
        'Export-MailHealthReport'
        'Connect-SmtpServer'
        'Disconnect-SmtpServer'
        'Send-SmtpMessage'
        'Connect-ImapServer'
        'Disconnect-ImapServer'
        'Get-ImapFolder'
        'New-ImapFolder'
        'Rename-ImapFolder'
        'Remove-ImapFolder'
        'Get-ImapMessage'
        'Add-ImapMessage'
        'Copy-ImapMessage'
        'Move-ImapMessage'
        'Remove-ImapMessage'
        'Set-ImapMessage'
        'Wait-ImapMessage'
        'Connect-Pop3Server'
        'Disconnect-Pop3Server'
        'Get-Pop3Message'
        'Remove-Pop3Message'
        'New-MailAccount'
        'Get-MailAccount'
        'Set-MailAccount'
        'Remove-MailAccount'
        'Get-MailServerMessage'
        'Clear-MailServerMessage'
        'Get-MailQueue'
        'Get-MailQueueMessage'
        'Resume-MailQueueMessage'
        'Suspend-MailQueueMessage'
        'Remove-MailQueueMessage'
        'Get-MailMessageTrace'
        'Get-MailDnsRecord'
        'Test-MailAddress'
        'Protect-MailMessage'
        'Unprotect-MailMessage'
        'Add-DkimSignature'
        'Test-DkimSignature'
    )
    FunctionsToExport      = @()
    AliasesToExport        = @()
    VariablesToExport      = @()
    PrivateData            = @{
        PSData = @{
            Tags         = @('Mail', 'SMTP', 'IMAP', 'POP3', 'MIME', 'mbox', 'eml', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ReleaseNotes = 'First release: the offline message commands.'
        }
    }
}
