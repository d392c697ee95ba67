# Bounded memory: large messages stream to the store as they arrive. 50 SMTP clients at once
# each send 20 MiB, then 20 IMAP clients each APPEND 20 MiB, to a server in its own process:
# its peak RSS stays within 200 MiB of its idle RSS, and every message is stored byte-exact.
# (bench/ServerMemory.ps1 does the work and prints the figures.)
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

Describe 'Server memory under large messages' {
    It 'holds 50 x 20 MiB SMTP and 20 x 20 MiB IMAP APPEND within 200 MiB over idle, byte-exact' -Skip:(-not (Find-Program python3) -or -not $IsLinux) {
        $result = & (Join-Path $PSScriptRoot '../bench/ServerMemory.ps1') -ModulePath $env:MAILADMIN_TEST_MODULE -PassThru 6>$null
        foreach ($phase in $result.Smtp, $result.Imap) {
            $phase.errors | Should -BeNullOrEmpty
            $phase.stored_exact | Should -Be $phase.clients -Because "every $($phase.mode) message must be stored once, byte for byte"
            ($phase.PeakRssMiB - $result.IdleRssMiB) | Should -BeLessThan 200 -Because "$($phase.mode) peak RSS $($phase.PeakRssMiB) MiB vs idle $($result.IdleRssMiB) MiB"
        }
    }
}
