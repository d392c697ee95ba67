# Dot-sourced by every Pester file in BeforeAll: imports the staged module and gives the
# helpers the tests share.
$modulePath = $env:MAILADMIN_TEST_MODULE
if (-not $modulePath) {
    $modulePath = Get-ChildItem (Join-Path $PSScriptRoot '../out/MailAdmin') -Filter MailAdmin.psd1 -Recurse | Select-Object -First 1 -ExpandProperty FullName
}
Import-Module $modulePath -Force -ErrorAction Stop

# A fresh empty folder under the Pester TestDrive (or the temp folder outside Pester).
function New-TestFolder([string] $Name = [guid]::NewGuid().ToString('n')) {
    $root = if (Test-Path 'TestDrive:\') { (Get-PSDrive TestDrive).Root } else { [IO.Path]::GetTempPath() }
    $path = Join-Path $root $Name
    New-Item -ItemType Directory -Path $path -Force | Select-Object -ExpandProperty FullName
}

# Finds a program on PATH; returns $null when it is not installed (the test then skips).
function Find-Program([string] $Name) {
    $command = Get-Command $Name -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($command) { $command.Source } else { $null }
}
