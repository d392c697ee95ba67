BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:noPython = -not (Find-Program python3)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

Describe 'Start-MailServer logins under a flood of wrong passwords' {
    AfterEach {
        Get-MailServer | Stop-MailServer
    }

    It 'answers a right password from another address within 1 s while 20 connections send wrong ones for 30 s' -Skip:$script:noPython {
        $server = Start-MailServer -Name flood -InMemory -FreePorts -AllowInsecureAuth -Disable Smtps, Imaps, Pop3s
        New-MailAccount -Server flood -Address ann@example.com -Password (ConvertTo-SecureString 'Right-Passw0rd' -AsPlainText -Force) | Out-Null
        $json = python3 (Join-Path $PSScriptRoot 'tools/login_flood.py') 127.0.0.1 $server.Port('imap') $server.Port('pop3') ann@example.com Right-Passw0rd 20 30
        $LASTEXITCODE | Should -Be 0 -Because "$json"
        $result = $json | ConvertFrom-Json
        Write-Host ("flood: {0} wrong LOGINs sent on {1} connections, {2} answered; good logins (s): {3} {4}" -f $result.sent, $result.connections, $result.answered, (($result.good | ForEach-Object { "imap $($_.imap) pop3 $($_.pop3)" }) -join "; "), ($result.errors -join "; "))
        @($result.good).Count | Should -BeGreaterOrEqual 5
        foreach ($login in $result.good) {
            $login.imap | Should -BeLessThan 1.0
            $login.pop3 | Should -BeLessThan 1.0
        }
        # The penalty is what keeps the flood cheap: the attackers' address gets a few checks, not thousands.
        $server.Statistics.Imap.AuthFailures | Should -BeLessThan 60
        $result.sent | Should -BeGreaterThan 20
    }

    It 'takes -AuthCacheTtl from the command line and the configuration file, and refuses it out of range' {
        $server = Start-MailServer -Name ttl -InMemory -FreePorts -AuthCacheTtl '00:00:00'
        $server.Options.AuthCacheTtl | Should -Be ([TimeSpan]::Zero)
        Stop-MailServer -Name ttl
        (Start-MailServer -Name ttl2 -InMemory -FreePorts).Options.AuthCacheTtl | Should -Be ([TimeSpan]::FromHours(1))
        Stop-MailServer -Name ttl2
        { Start-MailServer -Name ttl3 -InMemory -FreePorts -AuthCacheTtl '1.00:00:01' -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        { Start-MailServer -Name ttl3 -InMemory -FreePorts -AuthCacheTtl '-00:00:01' -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        $config = Join-Path (New-TestFolder) 'server.psd1'
        Set-Content -Path $config -Value "@{ InMemory = `$true; FreePorts = `$true; AuthCacheTtl = '2.00:00:00' }"
        { Start-MailServer -Name ttl4 -ConfigurationPath $config -ErrorAction Stop } | Should -Throw -ErrorId 'MailServerParameterOutOfRange*'
        Set-Content -Path $config -Value "@{ InMemory = `$true; FreePorts = `$true; AuthCacheTtl = '00:05:00' }"
        (Start-MailServer -Name ttl5 -ConfigurationPath $config).Options.AuthCacheTtl | Should -Be ([TimeSpan]::FromMinutes(5))
    }
}
