# The packages that build.ps1 makes install and import like any module.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $packages = Join-Path $PSScriptRoot '../out/packages'
    $version = (Import-PowerShellDataFile $env:MAILADMIN_TEST_MODULE).ModuleVersion

    # Imports the module from $Folder in a fresh pwsh and builds a message there.
    function Test-ModuleFolder([string] $Folder) {
        $pwsh = if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { @([Environment]::ProcessPath, (Join-Path $PSHOME 'pwsh.dll')) } else { @([Environment]::ProcessPath) }
        $script = "`$env:PSModulePath = '$Folder'; Import-Module MailAdmin -ErrorAction Stop; (New-MailMessage -From a@example.com -To b@example.com -Subject packaged).Subject; (Get-Module MailAdmin).ModuleBase"
        $exe = $pwsh[0]; $rest = @($pwsh | Select-Object -Skip 1)
        & $exe @rest -NoProfile -NonInteractive -Command $script
    }
}

Describe 'Packages' {
    It 'has a .nupkg that Save-PSResource installs and that then imports' {
        $nupkg = Join-Path $packages "MailAdmin.$version.nupkg"
        $nupkg | Should -Exist
        $repoName = "MailAdminTest-$PID"
        $target = New-TestFolder 'psresource'
        Register-PSResourceRepository -Name $repoName -Uri $packages -Trusted
        try {
            Save-PSResource -Name MailAdmin -Repository $repoName -Path $target -TrustRepository -SkipDependencyCheck
        }
        finally {
            Unregister-PSResourceRepository -Name $repoName
        }
        Join-Path $target "MailAdmin/$version/deps/MimeKit.dll" | Should -Exist
        $output = Test-ModuleFolder $target
        $output[0] | Should -Be 'packaged'
        $output[1] | Should -BeLike "$target*"
    }

    It 'has a .zip that extracts into a module folder' {
        $zip = Join-Path $packages "MailAdmin-$version.zip"
        $zip | Should -Exist
        $target = New-TestFolder 'zip'
        Expand-Archive -Path $zip -DestinationPath $target
        $output = Test-ModuleFolder $target
        $output[0] | Should -Be 'packaged'
        $output[1] | Should -BeLike "$target*"
    }
}
