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
    # File-name filters, ';'-separated; build.ps1 passes them in MAILADMIN_PESTER_FILTER ('*' would be globbed).
    [string] $Filter = ($env:MAILADMIN_PESTER_FILTER ?? '*')
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force

# Every test file imports the module from here (tests/TestHelpers.ps1).
$env:MAILADMIN_TEST_MODULE = $ModulePath

$config = New-PesterConfiguration
# From a shell, -PesterFilter 'a*','b*' arrives as one string "a*,b*": split on both.
$config.Run.Path = @(foreach ($pattern in $Filter -split '[;,]') { Get-ChildItem $TestsPath -Filter "$pattern.Tests.ps1" -File | ForEach-Object FullName }) | Select-Object -Unique
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$config.TestResult.Enabled = $true
$config.TestResult.OutputPath = $ResultsPath
$config.TestResult.OutputFormat = 'NUnitXml'

$result = Invoke-Pester -Configuration $config
if ($null -eq $result) {
    # Pester itself failed (no files matched, a broken configuration): that is a failure too.
    [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } | ConvertTo-Json | Set-Content -Path $SummaryPath -Encoding utf8
    exit 1
}
# Containers that failed to run (a syntax error, a failing BeforeAll outside a test) count as failures.
$failedBlocks = @($result.Containers | Where-Object { $_.Result -eq 'Failed' -and $_.FailedCount -eq 0 }).Count
[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $failedBlocks
    Skipped = $result.SkippedCount + $result.NotRunCount
} | ConvertTo-Json | Set-Content -Path $SummaryPath -Encoding utf8
