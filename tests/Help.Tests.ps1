# Every exported cmdlet has complete help, and every example in it runs.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $commands = @(Get-Module MailAdmin).ExportedCmdlets.Values | ForEach-Object { @{ Name = $_.Name } }
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
    $parameterCases = foreach ($command in @(Get-Module MailAdmin).ExportedCmdlets.Values) {
        foreach ($parameter in $command.Parameters.Keys | Where-Object { $common -notcontains $_ }) {
            @{ Name = $command.Name; Parameter = $parameter }
        }
    }
    $exampleCases = foreach ($command in @(Get-Module MailAdmin).ExportedCmdlets.Values) {
        $index = 0
        foreach ($example in (Get-Help $command.Name -Full).examples.example) {
            $index++
            @{ Name = $command.Name; Index = $index; Code = [string] $example.code }
        }
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

Describe 'Help for <Name>' -ForEach $commands {
    BeforeAll {
        $help = Get-Help $Name -Full
    }

    It 'has a synopsis of its own' {
        # Without MAML, Get-Help falls back to the syntax line as synopsis.
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match ('^\s*' + [regex]::Escape($Name) + '\s+\[')
    }

    It 'has a description' {
        ($help.description.Text -join "`n").Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples' {
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        foreach ($example in $help.examples.example) {
            ([string] $example.code).Trim() | Should -Not -BeNullOrEmpty
            ($example.remarks.Text -join '').Trim() | Should -Not -BeNullOrEmpty
        }
    }
}

Describe 'Parameter help' {
    It '<Name> -<Parameter> is described' -ForEach $parameterCases {
        $text = (Get-Help $Name -Parameter $Parameter).description.Text -join ''
        $text.Trim() | Should -Not -BeNullOrEmpty
    }
}

Describe 'Examples run as written' {
    BeforeAll {
        $samples = Join-Path $PSScriptRoot '../docs/demo/New-SampleMail.ps1'
    }

    It '<Name> example <Index> runs without error' -ForEach $exampleCases {
        # Each example gets a fresh folder with the sample files the help refers to.
        $folder = New-TestFolder "example-$Name-$Index"
        & $samples -Destination $folder
        Push-Location $folder
        try {
            $Error.Clear()
            # Warnings are the example's to show a reader (most often: a lab server started before its
            # first account has no postmaster mailbox yet); here they would only bury the results.
            $null = & ([scriptblock]::Create($Code)) 2>&1 3>$null | ForEach-Object {
                if ($_ -is [System.Management.Automation.ErrorRecord]) { throw $_ }
            }
        }
        finally {
            Pop-Location
            # An example that failed half-way may leave its server running: stop it here.
            if (Get-Command Get-MailServer -ErrorAction SilentlyContinue) { Get-MailServer | Stop-MailServer }
        }
    }
}
