# A throw-away dnsmasq on loopback serving the zones a test defines, for Get-MailDnsRecord and
# Test-MailAddress. Dot-source after TestHelpers.ps1.

# Starts dnsmasq answering only from its options: -Records are dnsmasq options such as
# '--mx-host=example.test,mx1.example.test,10' or '--txt-record=example.test,"v=spf1 -all"'.
# They go through a configuration file, where (unlike on the command line) double quotes keep
# commas inside one TXT string and "a","b" makes one record of two strings.
# Names under -LocalDomain (.test and loopback reverse DNS) that are not defined get NXDOMAIN,
# not REFUSED.
# Returns $null (reason in $script:DnsSkipReason) when dnsmasq is not installed or will not start.
function Start-DnsPeer {
    param([string[]] $Records = @(), [string[]] $LocalDomain = @('test', '127.in-addr.arpa'))
    $dnsmasq = Find-Program dnsmasq
    if (-not $dnsmasq -and (Test-Path /usr/sbin/dnsmasq)) { $dnsmasq = '/usr/sbin/dnsmasq' }
    if (-not $dnsmasq) { $script:DnsSkipReason = 'dnsmasq is not installed (apt-get install dnsmasq-base)'; return $null }
    $conf = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-dnsmasq-$PID-$(Get-Random).conf"
    Set-Content -LiteralPath $conf -Value ($Records | ForEach-Object { $_ -replace '^--', '' })
    foreach ($attempt in 1..5) {
        $port = Get-Random -Minimum 40000 -Maximum 49000
        $start = [Diagnostics.ProcessStartInfo]::new($dnsmasq)
        foreach ($a in @('--no-resolv', '--no-hosts', "--port=$port", '--listen-address=127.0.0.1', '--bind-interfaces',
                '--keep-in-foreground', '--pid-file=', '--cache-size=0', "--conf-file=$conf") + @($LocalDomain | ForEach-Object { "--local=/$_/" })) {
            $start.ArgumentList.Add($a)
        }
        # Our own pipes, so the child never holds the test's stdout.
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start.RedirectStandardInput = $true
        $process = [Diagnostics.Process]::Start($start)
        if (-not $process.WaitForExit(400)) {
            return [pscustomobject]@{ Process = $process; Port = $port; Server = "127.0.0.1:$port"; Conf = $conf }
        }
        $err = $process.StandardError.ReadToEnd()
        if ($err -notmatch 'in use') { $script:DnsSkipReason = "dnsmasq did not start: $err"; return $null }
    }
    $script:DnsSkipReason = 'dnsmasq found no free port'
    return $null
}

function Stop-DnsPeer($Peer) {
    if (-not $Peer) { return }
    if (-not $Peer.Process.HasExited) { $Peer.Process.Kill(); $Peer.Process.WaitForExit(2000) | Out-Null }
    Remove-Item -LiteralPath $Peer.Conf -ErrorAction SilentlyContinue
}
