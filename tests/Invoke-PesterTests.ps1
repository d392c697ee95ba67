<#
.SYNOPSIS
    Runs the Pester tests in this fresh pwsh against the staged module and writes the counts
    as JSON for build.ps1's closing line.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $TestsPath,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [Parameter(Mandatory)] [string] $ResultsPath,
    # File-name filter; build.ps1 passes it in MAILADMIN_PESTER_FILTER ('*' would be globbed).
    [string] $Filter = ($env:MAILADMIN_PESTER_FILTER ?? '*')
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force

# Every test file imports the module from here (tests/TestHelpers.ps1).
$env:MAILADMIN_TEST_MODULE = $ModulePath

$config = New-PesterConfiguration
$config.Run.Path = @(Get-ChildItem $TestsPath -Filter "$Filter.Tests.ps1" -File | ForEach-Object FullName)
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$config.TestResult.Enabled = $true
$config.TestResult.OutputPath = $ResultsPath
$config.TestResult.OutputFormat = 'NUnitXml'

$result = Invoke-Pester -Configuration $config
# Containers that failed to run (a syntax error, a failing BeforeAll outside a test) count as failures.
$failedBlocks = @($result.Containers | Where-Object { $_.Result -eq 'Failed' -and $_.FailedCount -eq 0 }).Count
[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $failedBlocks
    Skipped = $result.SkippedCount + $result.NotRunCount
} | ConvertTo-Json | Set-Content -Path $SummaryPath -Encoding utf8
