# Get-MailAccount reports what each account uses: bytes (the store's usage counter, what the quota is
# checked against) and messages, over all its folders, on an in-memory and a Maildir store.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    $script:password = ConvertTo-TestSecureString 'Usage-Passw0rd'
    function Send-Test($Server, [string] $To, [string] $Subject, [string] $Body) {
        Send-SmtpMessage -SmtpServer 127.0.0.1 -Port $Server.Port('smtp') -Secure None -From 'sender@remote.test' -To $To -Subject $Subject -Body $Body | Out-Null
    }
}

Describe 'Get-MailAccount usage on a <Kind> store' -ForEach @{ Kind = 'InMemory' }, @{ Kind = 'Maildir' } {
    BeforeAll {
        $script:storePath = if ($Kind -eq 'Maildir') { New-TestFolder 'usage-maildir' } else { $null }
        # In memory without a default quota, on disk with the standard one (1 GiB): the share is of the quota that applies.
        $script:defaultQuota = if ($Kind -eq 'Maildir') { 1GB } else { 0 }
        $script:server = Start-TestServer -Path $storePath -Extra @{ AllowInsecureAuth = $true; DefaultQuota = $defaultQuota }
        New-MailAccount -Server $server.Name -Address ann@example.com -Password $password -Quota 1MB | Out-Null
        New-MailAccount -Server $server.Name -Address bob@example.com -Password $password | Out-Null
        # An account with no mail, and an address longer than the table's column.
        $script:empty = 'a-rather-long-mailbox-name.for-tests@example.com'
        New-MailAccount -Server $server.Name -Address $empty -Password $password | Out-Null
        Send-Test $server ann@example.com 'ann one' ('a' * 1000)
        Send-Test $server ann@example.com 'ann two' ('b' * 3000)
        Send-Test $server ann@example.com 'ann three' 'short'
        Send-Test $server bob@example.com 'bob one' ('c' * 20000)
        $script:annStored = @(Get-MailServerMessage -Server $server.Name -Account ann@example.com)
        $script:bobStored = @(Get-MailServerMessage -Server $server.Name -Account bob@example.com)
        # One of ann's messages in another folder: usage counts every folder, not INBOX alone.
        $credential = [pscredential]::new('ann@example.com', $password)
        Get-ImapMessage -Server 127.0.0.1 -Port $server.Port('imap') -Secure None -Credential $credential -Subject 'ann two' -WarningAction SilentlyContinue |
            Move-ImapMessage -Destination Trash
        $script:accounts = @{}
        Get-MailAccount -Server $server.Name | ForEach-Object { $accounts[$_.Address] = $_ }
    }
    AfterAll { Stop-MailServer -Name $server.Name -ErrorAction SilentlyContinue }

    It 'counts the messages of every folder' {
        $annStored.Count | Should -Be 3
        $bobStored.Count | Should -Be 1
        $accounts['ann@example.com'].MessageCount | Should -Be 3
        $accounts['bob@example.com'].MessageCount | Should -Be 1
        $accounts[$empty].MessageCount | Should -Be 0
    }

    It 'reports the bytes stored, exactly' {
        $annBytes = ($annStored | Measure-Object Size -Sum).Sum
        $bobBytes = ($bobStored | Measure-Object Size -Sum).Sum
        $annBytes | Should -BeGreaterThan 4000
        $accounts['ann@example.com'].UsedBytes | Should -Be $annBytes
        $accounts['bob@example.com'].UsedBytes | Should -Be $bobBytes
        $accounts[$empty].UsedBytes | Should -Be 0
        if ($Kind -eq 'Maildir') {
            # What is on disk, file by file (Maildir++: ann's Trash is the hidden .Trash inside her folder).
            foreach ($address in 'ann@example.com', 'bob@example.com') {
                $files = Get-ChildItem -Recurse -File -Force $storePath | Where-Object { $_.Directory.Name -in 'new', 'cur' -and $_.FullName -like "*$address*" }
                ($files | Measure-Object Length -Sum).Sum | Should -Be $accounts[$address].UsedBytes
            }
        }
    }

    It 'gives the share of the quota that applies, and none without a quota' {
        $accounts['ann@example.com'].QuotaUsedPercent | Should -Be ([Math]::Round(100.0 * $accounts['ann@example.com'].UsedBytes / 1MB, 1))
        $accounts['ann@example.com'].QuotaUsedPercent | Should -BeGreaterThan 0
        if ($defaultQuota) {
            $accounts['bob@example.com'].QuotaUsedPercent | Should -Be ([Math]::Round(100.0 * $accounts['bob@example.com'].UsedBytes / $defaultQuota, 1))
        } else {
            $accounts['bob@example.com'].QuotaUsedPercent | Should -BeNullOrEmpty
        }
    }

    It 'is still the account, for the other account commands' {
        $accounts['bob@example.com'] | Should -BeOfType ([MailAdmin.Store.MailAccount])
        $accounts['bob@example.com'] | Set-MailAccount -Enabled $true
    }

    It 'shows used space and messages in the table, at 80 and 120 columns' {
        foreach ($width in 80, 120) {
            $text = $accounts['bob@example.com'] | Out-String -Width $width
            $text | Should -Match 'Used\s+Messages'
            $kb = '{0:0.#} KB' -f ($accounts['bob@example.com'].UsedBytes / 1KB)
            $text | Should -Match ("bob@example\.com\s+True\s+none\s+" + [regex]::Escape($kb) + '\s+1\s')
            $text -split "`r?`n" | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual $width }
            # A long address wraps, whole, and its row still shows 0 B and 0 messages.
            $long = $accounts[$empty] | Out-String -Width $width
            $rows = @($long -split "`r?`n" | Where-Object { $_.Trim() } | Select-Object -Skip 2)
            $column = ($long -split "`r?`n" | Where-Object { $_ -match '^Address' } | Select-Object -First 1).IndexOf('Enabled')
            (($rows | ForEach-Object { $_.Substring(0, [Math]::Min($column, $_.Length)) }) -join '') -replace '\s', '' | Should -Be $empty
            $long | Should -Match '\s0 B\s+0\s'
        }
    }
}
