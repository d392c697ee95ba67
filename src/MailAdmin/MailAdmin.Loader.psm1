# Loaded first (the manifest's NestedModules load before its RootModule): Import-Module reads
# every type of MailAdmin.dll before it runs the module's OnImport, and the cmdlets' base classes
# and parameters are types of MailAdmin.Engine, which sits in deps/ with MailKit and MimeKit.
# So the way to find them is set up here: on PowerShell 7 the module's own load context, on
# Windows PowerShell 5.1 an AppDomain resolver (see src/MailAdmin/Infrastructure/ModuleInitializer.cs).
[System.Reflection.Assembly]::LoadFrom((Join-Path $PSScriptRoot 'MailAdmin.dll')).
    GetType('MailAdmin.Commands.ModuleInitializer', $true).
    GetMethod('Install', [System.Reflection.BindingFlags] 'Static, NonPublic').
    Invoke($null, $null)
