# The README's Pester pattern (section "Testing with Pester") runs as written: its code block is
# saved as a test file and run by Invoke-Pester in a fresh pwsh that finds the staged module by
# name, as a user's installed module is found. A change to the README that breaks it fails here.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $readme = Get-Content -Raw (Join-Path $PSScriptRoot '../README.md')
    $section = $readme.Substring($readme.IndexOf('### Testing with Pester'))
    $script:pattern = [regex]::Match($section, '```powershell\r?\n(?<code>.*?)```', 'Singleline').Groups['code'].Value
}

Describe 'The README''s Pester pattern' {
    It 'is found in the README' {
        $pattern | Should -Match 'BeforeAll'
        $pattern | Should -Match 'Get-MailServerMessage .*-Wait .*\| Should -HaveCount 1'
        $pattern | Should -Match 'Remove-MailServerRule -Server Fixture -All'
    }

    It 'passes every test of its own under Invoke-Pester' {
        $folder = New-TestFolder 'pester-pattern'
        $file = Join-Path $folder 'Welcome.Tests.ps1'
        Set-Content -Path $file -Value $pattern
        # The staged module sits in out/MailAdmin/<version>/: out/ is a module folder.
        $modules = Split-Path (Split-Path (Split-Path (Get-Module MailAdmin).Path))
        $pester = (Get-Module Pester).Path
        $child = "`$PSStyle.OutputRendering = 'PlainText'; `$env:PSModulePath = '$modules' + [IO.Path]::PathSeparator + `$env:PSModulePath; Import-Module '$pester'; " +
            "`$r = Invoke-Pester -Path '$file' -PassThru -Output Detailed; 'RESULT {0} {1}' -f `$r.PassedCount, `$r.FailedCount"
        $pwsh = if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { @([Environment]::ProcessPath, (Join-Path $PSHOME 'pwsh.dll')) } else { @([Environment]::ProcessPath) }
        $exe = $pwsh[0]; $rest = @($pwsh | Select-Object -Skip 1)
        $output = & $exe @rest -NoProfile -NonInteractive -Command $child 2>&1 | ForEach-Object { "$_" -replace '\e\[[0-9;]*m', '' }
        $expected = ([regex]::Matches($pattern, "(?m)^\s*It '")).Count
        $expected | Should -BeGreaterOrEqual 3
        $result = $output | Where-Object { $_ -like 'RESULT *' } | Select-Object -Last 1
        $result | Should -Be "RESULT $expected 0" -Because ($output -join "`n")
    }
}

Describe 'Get-MailServerMessage -Wait -Count, for applications that send in the background' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
        $server = Start-TestServer -Name waitcount -CatchAll
    }
    AfterAll { Stop-MailServer -Name waitcount }
    AfterEach { Clear-MailServerMessage -Server waitcount }

    It 'waits until -Count messages are there' {
        $port = $server.Port('smtp')
        # The "application" sends three mails, a while apart, on a thread of its own.
        $app = Start-ThreadJob {
            foreach ($n in 1..3) {
                Start-Sleep -Milliseconds 300
                $script = "import smtplib`nwith smtplib.SMTP('127.0.0.1', $($using:port), timeout=10) as s: s.sendmail('app@example.com', ['user@example.com'], 'Subject: Note $n\r\n\r\nHi\r\n')"
                $script | python3 -
            }
        }
        try {
            $messages = Get-MailServerMessage -Server waitcount -To 'user@example.com' -Wait -Count 3 -Timeout 20
            $messages | Should -HaveCount 3
            $messages.Subject | Should -Be @('Note 1', 'Note 2', 'Note 3')
        }
        finally { $app | Wait-Job | Remove-Job }
    }

    It 'writes what came and a MailServerMessageTimeout error when fewer arrive' {
        Send-SmtpMessage -Server 127.0.0.1 -Port $server.Port('smtp') -Secure None -From 'app@example.com' -To 'user@example.com' -Subject 'Only one'
        $messages = Get-MailServerMessage -Server waitcount -Wait -Count 2 -Timeout 1 -ErrorAction SilentlyContinue -ErrorVariable late
        $messages | Should -HaveCount 1
        $late[0].FullyQualifiedErrorId | Should -BeLike 'MailServerMessageTimeout,*'
        $late[0].Exception.Message | Should -BeLike '1 of 2 matching messages arrived*'
    }
}
