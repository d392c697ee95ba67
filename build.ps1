#Requires -Version 7.0
<#
.SYNOPSIS
    Builds, tests, demonstrates and packages the MailAdmin module.
.DESCRIPTION
    One entry point for every job:
      Build    compile and stage the module into out/MailAdmin/<version>/
      Test     engine tests (xunit) and cmdlet tests (Pester, in a fresh pwsh against the
               staged module); ends with the line 'tests: N passed, M failed, K skipped'
      Demo     the main job: build, import the module and show it working on real data
      Bench    the benchmarks under bench/
      Soak     1,000 connections for -Minutes (default 10) against one server (bench/soak/Soak.ps1)
      Package  a .nupkg (Install-PSResource/Install-Module) and a .zip of the staged module
      Fuzz     SharpFuzz + AFL++ over the parsers (tests/MailAdmin.Fuzz; needs apt-get install afl++)
      Clean    remove build output
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Soak', 'Package', 'Clean', 'Fuzz')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Run only the Pester files whose names match (for quick local runs).
    [string[]] $PesterFilter = '*',

    # Fuzz: the target(s) to run (wildcards; default all).
    [string[]] $Target = @(),

    # Soak: how long it runs (default 10); Fuzz: minutes per target (default 2).
    [double] $Minutes
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$Root = $PSScriptRoot
$Manifest = Import-PowerShellDataFile (Join-Path $Root 'MailAdmin.psd1')
$Version = $Manifest.ModuleVersion
$OutRoot = Join-Path $Root 'out'
$StageDir = Join-Path $OutRoot "MailAdmin/$Version"
$ToolsDir = Join-Path $Root '.tools'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

# A fresh PowerShell of the same version as this one: under 'dotnet pwsh' the process is
# dotnet itself, so the child is started the same way.
function Invoke-Pwsh {
    $self = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') {
        & $self (Join-Path $PSHOME 'pwsh.dll') @args
    }
    else {
        & $self @args
    }
}

function Invoke-Native([string] $What, [scriptblock] $Command) {
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed with exit code $LASTEXITCODE." }
}

function Invoke-BuildTask {
    Write-Host "==> Build ($Configuration)"
    $binDir = Join-Path $OutRoot "bin"
    Invoke-Native 'dotnet build' { dotnet build (Join-Path $Root 'src/MailAdmin/MailAdmin.csproj') -c $Configuration -o $binDir --nologo -v quiet -clp:ErrorsOnly }

    if (Test-Path $StageDir) { Remove-Item $StageDir -Recurse -Force }
    $deps = Join-Path $StageDir 'deps'
    New-Item -ItemType Directory -Path $deps -Force | Out-Null

    # Only the cmdlets (MailAdmin.dll) and their loader at the top; the engine and every
    # third-party assembly in deps/, out of PowerShell's probing, so that on PowerShell 7 they
    # load in the module's own load context (src/MailAdmin.Loader/DependencyLoadContext.cs).
    $top = 'MailAdmin.dll', 'MailAdmin.Loader.dll'
    foreach ($file in Get-ChildItem $binDir -Filter *.dll) {
        $target = if ($top -contains $file.Name) { $StageDir } else { $deps }
        Copy-Item $file.FullName $target
    }
    Copy-Item (Join-Path $Root 'MailAdmin.psd1') $StageDir
    Copy-Item (Join-Path $Root 'src/MailAdmin/MailAdmin.Format.ps1xml') $StageDir
    Copy-Item (Join-Path $Root 'src/MailAdmin/MailAdmin.Types.ps1xml') $StageDir

    # Help: docs/*.md -> en-US/MailAdmin.dll-Help.xml, with syntax read off the built cmdlets.
    $helpScript = Join-Path $Root 'docs/tools/ConvertTo-MamlHelp.ps1'
    $mamlPath = Join-Path $Root 'en-US/MailAdmin.dll-Help.xml'
    Invoke-Native 'help generation' { Invoke-Pwsh -NoProfile -NonInteractive -File $helpScript -ModulePath (Join-Path $StageDir 'MailAdmin.psd1') -DocsPath (Join-Path $Root 'docs') -OutputPath $mamlPath }
    $stageHelp = Join-Path $StageDir 'en-US'
    New-Item -ItemType Directory -Path $stageHelp -Force | Out-Null
    Copy-Item (Join-Path $Root 'en-US/*') $stageHelp
    Write-Host "    staged $StageDir"
}

function Restore-TestTools {
    $pester = Join-Path $ToolsDir 'packages/pester/6.2.0/tools/Pester.psd1'
    # tests/Isolation.Tests.ps1 loads another module's MailKit stack from there too.
    $others = 'mailkit/4.2.0', 'mimekit/4.18.0', 'bouncycastle.cryptography/2.4.0' | ForEach-Object { Join-Path $ToolsDir "packages/$_" }
    if (-not (Test-Path $pester) -or ($others | Where-Object { -not (Test-Path $_) })) {
        Write-Host '==> Restoring Pester 6.2.0 and the isolation tests'' MailKit stack from NuGet'
        Invoke-Native 'tool restore' { dotnet restore (Join-Path $Root 'tests/tools/Tools.csproj') --packages (Join-Path $ToolsDir 'packages') -v quiet } | Out-Host
    }
    return $pester
}

# Reads the counters of a VSTest .trx file.
function Get-TrxCounts([string] $TrxPath) {
    [xml] $trx = Get-Content -Raw $TrxPath
    $c = $trx.TestRun.ResultSummary.Counters
    [pscustomobject]@{
        Passed  = [int] $c.passed
        Failed  = [int] $c.failed + [int] $c.error + [int] $c.timeout + [int] $c.aborted
        Skipped = [int] $c.notExecuted + [int] $c.inconclusive
    }
}

function Invoke-TestTask {
    Invoke-BuildTask
    New-Packages
    $results = Join-Path $OutRoot 'TestResults'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    New-Item -ItemType Directory -Path $results -Force | Out-Null

    Write-Host '==> Engine tests (xunit)'
    $trx = Join-Path $results 'engine.trx'
    dotnet test (Join-Path $Root 'tests/MailAdmin.Engine.Tests/MailAdmin.Engine.Tests.csproj') -c $Configuration --nologo `
        --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal'
    $engine = if (Test-Path $trx) { Get-TrxCounts $trx } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }
    if (-not (Test-Path $trx)) { Write-Host 'Engine tests did not run (build failure?): counted as one failure.' }

    Write-Host '==> Cmdlet tests (Pester, fresh pwsh against the staged module)'
    $pester = Restore-TestTools
    $summary = Join-Path $results 'pester.json'
    # Passed through the environment: PowerShell globs a '*' argument to a native command.
    $env:MAILADMIN_PESTER_FILTER = $PesterFilter -join ';'
    # A summary left by an earlier run must not stand in for this one.
    Remove-Item $summary -ErrorAction SilentlyContinue
    Invoke-Pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tests/Invoke-PesterTests.ps1') `
        -PesterPath $pester -ModulePath (Join-Path $StageDir 'MailAdmin.psd1') -TestsPath (Join-Path $Root 'tests') `
        -SummaryPath $summary -ResultsPath (Join-Path $results 'pester.xml')
    $cmdlets = if (Test-Path $summary) { Get-Content -Raw $summary | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }
    if (-not (Test-Path $summary)) { Write-Host 'Pester did not finish: counted as one failure.' }

    $passed = $engine.Passed + $cmdlets.Passed
    $failed = $engine.Failed + $cmdlets.Failed
    $skipped = $engine.Skipped + $cmdlets.Skipped
    Write-Host "engine: $($engine.Passed) passed, $($engine.Failed) failed, $($engine.Skipped) skipped; cmdlets: $($cmdlets.Passed) passed, $($cmdlets.Failed) failed, $($cmdlets.Skipped) skipped"
    Write-Host "tests: $passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0) { exit 1 }
}

function Invoke-DemoTask {
    Invoke-BuildTask
    Write-Host '==> Demo'
    Invoke-Pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'docs/demo/Demo.ps1') -ModulePath (Join-Path $StageDir 'MailAdmin.psd1')
    if ($LASTEXITCODE -ne 0) { throw "The demo failed with exit code $LASTEXITCODE." }
}

function Invoke-BenchTask {
    Invoke-BuildTask
    $benches = @(Get-ChildItem (Join-Path $Root 'bench') -Filter '*.ps1' -ErrorAction SilentlyContinue)
    if ($benches.Count -eq 0) { Write-Host 'No benchmarks yet.'; return }
    foreach ($bench in $benches) {
        Write-Host "==> $($bench.Name)"
        Invoke-Pwsh -NoProfile -NonInteractive -File $bench.FullName -ModulePath (Join-Path $StageDir 'MailAdmin.psd1')
    }
}

function Invoke-PackageTask {
    Invoke-BuildTask
    New-Packages
}

# Packs the staged module; the Test task packs too, so that the packages are tested.
function New-Packages {
    Write-Host '==> Package'
    $packages = Join-Path $OutRoot 'packages'
    if (Test-Path $packages) { Remove-Item $packages -Recurse -Force }
    New-Item -ItemType Directory -Path $packages -Force | Out-Null

    $zip = Join-Path $packages "MailAdmin-$Version.zip"
    # The zip holds MailAdmin/<version>/..., ready to extract into a PSModulePath folder.
    Compress-Archive -Path (Join-Path $OutRoot 'MailAdmin') -DestinationPath $zip
    Write-Host "    $zip"

    # A .nupkg through PSResourceGet's own publish to a local folder repository, so that
    # Install-PSResource (and Install-Module) accept it.
    $repoName = "MailAdminBuild-$PID"
    Register-PSResourceRepository -Name $repoName -Uri $packages -Trusted
    try {
        Publish-PSResource -Path $StageDir -Repository $repoName -SkipDependenciesCheck
    }
    finally {
        Unregister-PSResourceRepository -Name $repoName
    }
    Get-ChildItem $packages -Filter *.nupkg | ForEach-Object { Write-Host "    $($_.FullName)" }
}

function Invoke-CleanTask {
    foreach ($dir in @($OutRoot, (Join-Path $Root 'src/MailAdmin/bin'), (Join-Path $Root 'src/MailAdmin/obj'),
            (Join-Path $Root 'src/MailAdmin.Engine/bin'), (Join-Path $Root 'src/MailAdmin.Engine/obj'),
            (Join-Path $Root 'src/MailAdmin.Loader/bin'), (Join-Path $Root 'src/MailAdmin.Loader/obj'),
            (Join-Path $Root 'tests/MailAdmin.Engine.Tests/bin'), (Join-Path $Root 'tests/MailAdmin.Engine.Tests/obj'))) {
        if (Test-Path $dir) { Remove-Item $dir -Recurse -Force; Write-Host "    removed $dir" }
    }
}

switch ($Task) {
    'Build' { Invoke-BuildTask }
    'Test' { Invoke-TestTask }
    'Demo' { Invoke-DemoTask }
    'Bench' { Invoke-BenchTask }
    'Soak' {
        Invoke-BuildTask
        $soak = @('-ModulePath', (Join-Path $StageDir 'MailAdmin.psd1')) + $(if ($Minutes) { @('-Minutes', $Minutes) } else { @() })
        Invoke-Pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'bench/soak/Soak.ps1') @soak
        if ($LASTEXITCODE -ne 0) { throw "The soak failed (exit code $LASTEXITCODE)." }
    }
    'Package' { Invoke-PackageTask }
    'Clean' { Invoke-CleanTask }
    'Fuzz' { Invoke-Pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tests/MailAdmin.Fuzz/Invoke-Fuzz.ps1') -Root $Root -Target ($Target -join ',') -Minutes $(if ($Minutes) { $Minutes } else { 2 }); exit $LASTEXITCODE }
}
