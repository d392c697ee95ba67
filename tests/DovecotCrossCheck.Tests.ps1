# The same scripted IMAP session against Dovecot and against our server: the answers must
# agree wherever RFC 3501 fixes them (tests/tools/imap_crosscheck.py says which).
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'ServerTestHelpers.ps1')
    $script:ready = $false
    $script:reason = ''
    if (-not (Find-Program dovecot)) { $script:reason = 'dovecot is not installed' }
    elseif (-not (Find-Program python3)) { $script:reason = 'python3 is not installed' }
    elseif ((id -u) -ne '0') { $script:reason = 'the Dovecot instance needs root' }
    else {
        $script:dvDir = Join-Path ([IO.Path]::GetTempPath()) "mailadmin-dovecot-$PID"
        $script:dvPort = Get-Random -Minimum 31000 -Maximum 39000
        & bash (Join-Path $PSScriptRoot 'tools/dovecot-instance.sh') start $dvDir $dvPort ($dvPort + 1) ann@example.com 'Ann-Passw0rd' 2>&1 | Write-Host
        $script:ready = $LASTEXITCODE -eq 0
        if (-not $ready) { $script:reason = 'the Dovecot instance did not start' }
    }
    if ($ready) {
        $script:server = Start-TestServer -Name crosscheck -Extra @{ AllowInsecureAuth = $true }
        New-MailAccount -Server crosscheck -Address ann@example.com -Password (ConvertTo-TestSecureString 'Ann-Passw0rd') | Out-Null
    }
}

AfterAll {
    if ($ready) {
        Stop-MailServer -Name crosscheck
        & bash (Join-Path $PSScriptRoot 'tools/dovecot-instance.sh') stop $dvDir
    }
}

Describe 'IMAP cross-check with Dovecot' {
    BeforeAll {
        if ($ready) {
            $script_ = Join-Path $PSScriptRoot 'tools/imap_crosscheck.py'
            $script:theirs = python3 $script_ 127.0.0.1 $dvPort ann@example.com 'Ann-Passw0rd' | ConvertFrom-Json -AsHashtable
            $script:ours = python3 $script_ 127.0.0.1 $server.Port('imap') ann@example.com 'Ann-Passw0rd' | ConvertFrom-Json -AsHashtable
        }
    }

    It 'agrees on <_>' -ForEach @(
        'append_0', 'append_1', 'append_2', 'select_exists', 'sizes', 'envelopes', 'body_structure_basic', 'internaldate',
        'full_bodies', 'headers', 'header_fields', 'text', 'part_1', 'part_2_mime', 'nested_header', 'nested_text', 'partial',
        'search_seen', 'search_unseen', 'search_subject', 'search_from', 'search_body', 'search_text', 'search_larger',
        'search_smaller', 'search_since', 'search_sentbefore', 'search_or', 'search_not', 'search_header', 'search_seqset',
        'store_response', 'store_remove',
        'binary_qp', 'binary_base64', 'binary_partial', 'binary_nested', 'binary_whole', 'binary_missing_part', 'binary_append',
        'binary_8bit', 'binary_unknown_cte', 'binary_decoded_whole', 'binary_appended', 'binary_appended_body_has_nul', 'bad_fetch', 'select_missing', 'expunge', 'after_expunge_exists') {
        if (-not $ready) { Set-ItResult -Skipped -Because $reason; return }
        $key = $_
        ($ours[$key] | ConvertTo-Json -Depth 8 -Compress) | Should -Be ($theirs[$key] | ConvertTo-Json -Depth 8 -Compress)
    }
}
