BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

Describe 'The MailAdmin module' {
    It 'has a manifest that Test-ModuleManifest accepts' {
        $manifest = Test-ModuleManifest -Path $env:MAILADMIN_TEST_MODULE -ErrorAction Stop
        $manifest.Name | Should -Be 'MailAdmin'
        $manifest.CompatiblePSEditions | Should -Contain 'Desktop'
        $manifest.CompatiblePSEditions | Should -Contain 'Core'
        $manifest.PowerShellVersion | Should -Be ([version] '5.1')
    }

    It 'exports exactly the cmdlets the manifest lists, and no functions' {
        $data = Import-PowerShellDataFile $env:MAILADMIN_TEST_MODULE
        $module = Get-Module MailAdmin
        @($module.ExportedCmdlets.Keys | Sort-Object) | Should -Be @($data.CmdletsToExport | Sort-Object)
        $module.ExportedFunctions.Count | Should -Be 0
    }

    It 'keeps third-party assemblies in deps/' {
        $folder = Split-Path $env:MAILADMIN_TEST_MODULE
        Join-Path $folder 'deps/MimeKit.dll' | Should -Exist
        Join-Path $folder 'deps/MailKit.dll' | Should -Exist
        Join-Path $folder 'MimeKit.dll' | Should -Not -Exist
    }

    It 'loads MimeKit from its deps/ folder' {
        $null = New-MailMessage -From 'a@example.com' -To 'b@example.com' -Subject 'load'
        $mimeKit = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'MimeKit' }
        $mimeKit.Location | Should -BeLike '*deps*MimeKit.dll'
    }
}
