#Requires -Version 7.0
<#
.SYNOPSIS
    Coverage-guided fuzzing of the engine's parsers: SharpFuzz instruments MailAdmin.Engine.dll,
    AFL++ drives each target of tests/MailAdmin.Fuzz in turn. Called by `build.ps1 -Task Fuzz`.
.DESCRIPTION
    Needs afl-fuzz (Debian: apt-get install afl++). The SharpFuzz.CommandLine tool is installed
    into .tools/sharpfuzz on first use. Targets run one at a time (afl-fuzz takes a core), each
    for -Minutes, starting from the seeds in tests/MailAdmin.Fuzz/corpus/<target>. Findings
    are kept in out/fuzz/findings/<target>/default/{crashes,hangs}; each is replayed through the
    harness so the exception shows here. Exit code 1 when anything was found.
#>
param(
    [Parameter(Mandatory)] [string] $Root,
    # Comma-separated names or wildcards; empty for all.
    [string] $Target = '',
    [double] $Minutes = 2
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$afl = Get-Command afl-fuzz -ErrorAction SilentlyContinue
if (-not $afl) { throw 'afl-fuzz not found: install AFL++ (Debian/Ubuntu: apt-get install afl++).' }

$fuzzOut = Join-Path $Root 'out/fuzz'
$bin = Join-Path $fuzzOut 'bin'
$sharpfuzz = Join-Path $Root '.tools/sharpfuzz/sharpfuzz'
if (-not (Test-Path $sharpfuzz)) {
    Write-Host '==> Installing SharpFuzz.CommandLine 2.3.0 into .tools/sharpfuzz'
    dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path (Join-Path $Root '.tools/sharpfuzz') | Out-Host
    if ($LASTEXITCODE -ne 0) { throw 'Installing SharpFuzz.CommandLine failed.' }
}

Write-Host '==> Building the fuzz harness and instrumenting MailAdmin.Engine.dll'
# A fresh publish each time: instrumenting an instrumented assembly is an error.
if (Test-Path $bin) { Remove-Item $bin -Recurse -Force }
dotnet publish (Join-Path $Root 'tests/MailAdmin.Fuzz/MailAdmin.Fuzz.csproj') -c Release -o $bin --nologo -v quiet -clp:ErrorsOnly | Out-Host
if ($LASTEXITCODE -ne 0) { throw 'Building the fuzz harness failed.' }
# Findings are replayed by an uninstrumented copy: instrumented code needs AFL's shared memory.
$replayBin = Join-Path $fuzzOut 'replay'
if (Test-Path $replayBin) { Remove-Item $replayBin -Recurse -Force }
Copy-Item $bin $replayBin -Recurse
& $sharpfuzz (Join-Path $bin 'MailAdmin.Engine.dll') | Out-Host
if ($LASTEXITCODE -ne 0) { throw 'sharpfuzz failed to instrument MailAdmin.Engine.dll.' }

$harness = Join-Path $bin 'MailAdmin.Fuzz'
$targets = @(& $harness --list)
if ($Target) {
    $patterns = $Target -split ','
    $targets = @($targets | Where-Object { $name = $_; @($patterns | Where-Object { $name -like $_ }).Count -gt 0 })
    if ($targets.Count -eq 0) { throw "No fuzz target matches '$Target'. Targets: $((& $harness --list) -join ', ')" }
}

# afl-fuzz expects a native, instrumented binary and a core_pattern it likes; the .NET host is
# neither, and crashes are exceptions reported by SharpFuzz, not core dumps.
$env:AFL_SKIP_BIN_CHECK = '1'
$env:AFL_NO_UI = '1'
$env:AFL_SKIP_CPUFREQ = '1'
$env:AFL_NO_AFFINITY = '1'
$env:AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES = '1'
$env:AFL_AUTORESUME = '1'

$seconds = [int][Math]::Max(10, $Minutes * 60)
$rows = foreach ($t in $targets) {
    $findings = Join-Path $fuzzOut "findings/$t"
    if (Test-Path $findings) { Remove-Item $findings -Recurse -Force }
    New-Item -ItemType Directory -Path $findings -Force | Out-Null
    $seeds = Join-Path $Root "tests/MailAdmin.Fuzz/corpus/$t"
    Write-Host "==> afl-fuzz $t for $seconds s"
    # -t: an input taking more than 2 s is a hang (they take microseconds).
    & $afl.Source -i $seeds -o $findings -t 2000 -m none -V $seconds -- $harness $t *> (Join-Path $fuzzOut "$t.log")
    $statsFile = Join-Path $findings 'default/fuzzer_stats'
    if (-not (Test-Path $statsFile)) { throw "afl-fuzz did not run for $t; see $(Join-Path $fuzzOut "$t.log")" }
    $stats = @{}
    foreach ($line in Get-Content $statsFile) {
        $k, $v = $line -split '\s*:\s*', 2
        $stats[$k.Trim()] = $v.Trim()
    }
    $found = @(Get-ChildItem (Join-Path $findings 'default/crashes'), (Join-Path $findings 'default/hangs') -Filter 'id*' -ErrorAction SilentlyContinue)
    foreach ($f in $found) {
        Write-Host "    finding: $($f.FullName)"
        & (Join-Path $replayBin 'MailAdmin.Fuzz') $t $f.FullName | Select-Object -First 20 | Out-Host
    }
    [pscustomobject]@{
        Target     = $t
        Executions = [long]$stats['execs_done']
        PerSecond  = [double]$stats['execs_per_sec']
        Corpus     = [int]$stats['corpus_count']
        Crashes    = [int]$stats['saved_crashes']
        Hangs      = [int]$stats['saved_hangs']
    }
}
$rows | Format-Table -AutoSize | Out-Host
$total = ($rows | Measure-Object Executions -Sum).Sum
$crashes = ($rows | Measure-Object Crashes -Sum).Sum
$hangs = ($rows | Measure-Object Hangs -Sum).Sum
Write-Host "fuzz: $total executions in total, $crashes crashes, $hangs hangs"
if ($crashes + $hangs -gt 0) { exit 1 }
