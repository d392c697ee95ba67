<#
.SYNOPSIS
    Turns the markdown help in docs/<Verb-Noun>.md into MAML (MailAdmin.dll-Help.xml).
.DESCRIPTION
    platyPS is not available here, so this small converter does its job. The prose comes
    from the markdown; the syntax, parameter types, positions, pipeline input and aliases
    come from the built cmdlets themselves, so they can never drift from the code.

    Markdown shape, per cmdlet:
      # Verb-Noun
      ## SYNOPSIS        one paragraph
      ## DESCRIPTION     paragraphs
      ## EXAMPLES        ### Example N: title, a ```powershell block, then remarks
      ## PARAMETERS      ### -Name, then its description
      ## INPUTS / ## OUTPUTS   ### TypeName, then a description
      ## NOTES           paragraphs
      ## RELATED LINKS   - [text](uri) or - Verb-Noun

    Parameters many cmdlets share (the client cmdlets' -Server, -Port, -Credential, ...) are
    described once, in docs/common/*.md under ## PARAMETERS; a cmdlet's own text wins.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $DocsPath,
    [Parameter(Mandatory)] [string] $OutputPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$module = Import-Module $ModulePath -PassThru -Force
$commonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters

# Splits markdown into { level-2 section name -> text }, and level-3 subsections within.
function Read-HelpMarkdown([string] $Path) {
    $sections = [ordered]@{}
    $current = $null
    $inFence = $false
    foreach ($line in Get-Content -LiteralPath $Path) {
        if ($line -match '^```') { $inFence = -not $inFence }
        if (-not $inFence -and $line -match '^## (.+)$') {
            $current = $Matches[1].Trim().ToUpperInvariant()
            $sections[$current] = [System.Collections.Generic.List[string]]::new()
            continue
        }
        if ($null -ne $current) { $sections[$current].Add($line) }
    }
    return $sections
}

function Split-Subsections([System.Collections.Generic.List[string]] $Lines) {
    $subs = [System.Collections.Generic.List[object]]::new()
    $current = $null
    $inFence = $false
    foreach ($line in $Lines) {
        if ($line -match '^```') { $inFence = -not $inFence }
        if (-not $inFence -and $line -match '^### (.+)$') {
            $current = [pscustomobject]@{ Title = $Matches[1].Trim(); Lines = [System.Collections.Generic.List[string]]::new() }
            $subs.Add($current)
            continue
        }
        if ($null -ne $current) { $current.Lines.Add($line) }
    }
    return $subs
}

# Paragraphs: blank-line separated, lines joined with spaces (list items keep their own line).
function Get-Paragraphs([string[]] $Lines) {
    $paragraphs = [System.Collections.Generic.List[string]]::new()
    $buffer = [System.Collections.Generic.List[string]]::new()
    foreach ($line in $Lines) {
        if ([string]::IsNullOrWhiteSpace($line)) {
            if ($buffer.Count) { $paragraphs.Add(($buffer -join ' ')); $buffer.Clear() }
        }
        elseif ($line -match '^\s*[-*] ' -and $buffer.Count) {
            $paragraphs.Add(($buffer -join ' ')); $buffer.Clear(); $buffer.Add($line.Trim())
        }
        else { $buffer.Add($line.Trim()) }
    }
    if ($buffer.Count) { $paragraphs.Add(($buffer -join ' ')) }
    return , $paragraphs.ToArray()
}

$maml = 'http://schemas.microsoft.com/maml/2004/10'
$cmd = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$dev = 'http://schemas.microsoft.com/maml/dev/2004/10'

$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$buffer = [System.IO.MemoryStream]::new()
$w = [System.Xml.XmlWriter]::Create($buffer, $settings)

function Write-Paras([string[]] $Paragraphs) {
    $w.WriteStartElement('maml', 'description', $maml)
    foreach ($p in $Paragraphs) { $w.WriteElementString('para', $maml, $p) }
    $w.WriteEndElement()
}

function Get-TypeName([type] $Type) {
    if ($Type -eq [System.Management.Automation.SwitchParameter]) { return 'SwitchParameter' }
    return $Type.Name
}

function Write-Parameter($Parameter, $SetInfo, [string[]] $Description) {
    $isSwitch = $Parameter.ParameterType -eq [System.Management.Automation.SwitchParameter]
    $pipeline = @()
    if ($SetInfo.ValueFromPipeline) { $pipeline += 'ByValue' }
    if ($SetInfo.ValueFromPipelineByPropertyName) { $pipeline += 'ByPropertyName' }
    $pipelineText = if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }
    $position = if ($SetInfo.Position -ge 0) { [string] $SetInfo.Position } else { 'named' }
    $aliases = if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { 'none' }
    $globbing = [bool] ($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })

    $w.WriteStartElement('command', 'parameter', $cmd)
    $w.WriteAttributeString('required', ([string] $SetInfo.IsMandatory).ToLowerInvariant())
    $w.WriteAttributeString('variableLength', ([string] $Parameter.ParameterType.IsArray).ToLowerInvariant())
    $w.WriteAttributeString('globbing', ([string] $globbing).ToLowerInvariant())
    $w.WriteAttributeString('pipelineInput', $pipelineText)
    $w.WriteAttributeString('position', $position)
    $w.WriteAttributeString('aliases', $aliases)
    $w.WriteElementString('name', $maml, $Parameter.Name)
    if ($null -ne $Description) { Write-Paras $Description }
    if (-not $isSwitch) {
        $w.WriteStartElement('command', 'parameterValue', $cmd)
        $w.WriteAttributeString('required', 'true')
        $w.WriteAttributeString('variableLength', ([string] $Parameter.ParameterType.IsArray).ToLowerInvariant())
        $w.WriteString((Get-TypeName $Parameter.ParameterType))
        $w.WriteEndElement()
    }
    $w.WriteStartElement('dev', 'type', $dev)
    $w.WriteElementString('name', $maml, $Parameter.ParameterType.FullName)
    $w.WriteEndElement()
    $w.WriteEndElement()
}

# Shared parameter descriptions, used where a cmdlet's page has none of its own.
$sharedParameterDocs = @{}
foreach ($shared in Get-ChildItem -Path (Join-Path $DocsPath 'common') -Filter *.md -ErrorAction SilentlyContinue) {
    $doc = Read-HelpMarkdown $shared.FullName
    if (-not $doc.Contains('PARAMETERS')) { continue }
    foreach ($sub in Split-Subsections $doc['PARAMETERS']) {
        $sharedParameterDocs[$sub.Title.TrimStart('-')] = Get-Paragraphs $sub.Lines
    }
}

$missing = [System.Collections.Generic.List[string]]::new()
$w.WriteStartDocument()
$w.WriteStartElement('helpItems', 'http://msh')
$w.WriteAttributeString('schema', 'maml')

foreach ($command in ($module.ExportedCmdlets.Values | Sort-Object Name)) {
    $docFile = Join-Path $DocsPath "$($command.Name).md"
    if (-not (Test-Path $docFile)) { $missing.Add($command.Name); continue }
    $doc = Read-HelpMarkdown $docFile
    $parameterDocs = @{}
    if ($doc.Contains('PARAMETERS')) {
        foreach ($sub in Split-Subsections $doc['PARAMETERS']) {
            $parameterDocs[$sub.Title.TrimStart('-')] = Get-Paragraphs $sub.Lines
        }
    }

    $w.WriteStartElement('command', 'command', $cmd)
    $w.WriteAttributeString('xmlns', 'maml', $null, $maml)
    $w.WriteAttributeString('xmlns', 'dev', $null, $dev)

    $w.WriteStartElement('command', 'details', $cmd)
    $w.WriteElementString('name', $cmd, $command.Name)
    $w.WriteElementString('verb', $cmd, $command.Verb)
    $w.WriteElementString('noun', $cmd, $command.Noun)
    Write-Paras (Get-Paragraphs ($doc['SYNOPSIS'] ?? @()))
    $w.WriteEndElement()

    Write-Paras (Get-Paragraphs ($doc['DESCRIPTION'] ?? @()))

    # Syntax: one item per parameter set, read off the cmdlet.
    $w.WriteStartElement('command', 'syntax', $cmd)
    foreach ($set in $command.ParameterSets) {
        $w.WriteStartElement('command', 'syntaxItem', $cmd)
        $w.WriteElementString('name', $maml, $command.Name)
        foreach ($p in $set.Parameters | Where-Object { $commonParameters -notcontains $_.Name } | Sort-Object { if ($_.Position -ge 0) { $_.Position } else { 1000 } }) {
            Write-Parameter $command.Parameters[$p.Name] $p $null
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'parameters', $cmd)
    foreach ($parameter in $command.Parameters.Values | Where-Object { $commonParameters -notcontains $_.Name } | Sort-Object Name) {
        $first = $parameter.ParameterSets.Values | Select-Object -First 1
        $text = if ($parameterDocs.ContainsKey($parameter.Name)) { $parameterDocs[$parameter.Name] }
                elseif ($sharedParameterDocs.ContainsKey($parameter.Name)) { $sharedParameterDocs[$parameter.Name] }
                else { @() }
        Write-Parameter $parameter $first $text
    }
    $w.WriteEndElement()

    foreach ($kind in @(@('INPUTS', 'inputTypes', 'inputType'), @('OUTPUTS', 'returnValues', 'returnValue'))) {
        if (-not $doc.Contains($kind[0])) { continue }
        $w.WriteStartElement('command', $kind[1], $cmd)
        foreach ($sub in Split-Subsections $doc[$kind[0]]) {
            $w.WriteStartElement('command', $kind[2], $cmd)
            $w.WriteStartElement('dev', 'type', $dev)
            $w.WriteElementString('name', $maml, $sub.Title)
            $w.WriteEndElement()
            Write-Paras (Get-Paragraphs $sub.Lines)
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }

    if ($doc.Contains('NOTES')) {
        $w.WriteStartElement('maml', 'alertSet', $maml)
        $w.WriteStartElement('maml', 'alert', $maml)
        foreach ($p in Get-Paragraphs $doc['NOTES']) { $w.WriteElementString('para', $maml, $p) }
        $w.WriteEndElement()
        $w.WriteEndElement()
    }

    $w.WriteStartElement('command', 'examples', $cmd)
    if ($doc.Contains('EXAMPLES')) {
        foreach ($sub in Split-Subsections $doc['EXAMPLES']) {
            $code = [System.Collections.Generic.List[string]]::new()
            $remarks = [System.Collections.Generic.List[string]]::new()
            $inFence = $false; $fenceSeen = $false
            foreach ($line in $sub.Lines) {
                if ($line -match '^```') { $inFence = -not $inFence; $fenceSeen = $true; continue }
                if ($inFence) { $code.Add($line) } elseif ($fenceSeen) { $remarks.Add($line) }
            }
            $w.WriteStartElement('command', 'example', $cmd)
            $w.WriteElementString('title', $maml, "-------------------------- $($sub.Title) --------------------------")
            $w.WriteElementString('code', $dev, ($code -join "`n"))
            $w.WriteStartElement('dev', 'remarks', $dev)
            foreach ($p in Get-Paragraphs $remarks) { $w.WriteElementString('para', $maml, $p) }
            $w.WriteEndElement()
            $w.WriteEndElement()
        }
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'relatedLinks', $cmd)
    if ($doc.Contains('RELATED LINKS')) {
        foreach ($line in $doc['RELATED LINKS']) {
            if ($line -match '^\s*[-*]\s+\[(?<text>[^\]]+)\]\((?<uri>[^)]*)\)') { $text = $Matches.text; $uri = $Matches.uri }
            elseif ($line -match '^\s*[-*]\s+(?<text>\S.*)$') { $text = $Matches.text.Trim(); $uri = '' }
            else { continue }
            $w.WriteStartElement('maml', 'navigationLink', $maml)
            $w.WriteElementString('linkText', $maml, $text)
            $w.WriteElementString('uri', $maml, $uri)
            $w.WriteEndElement()
        }
    }
    $w.WriteEndElement()

    $w.WriteEndElement() # command
}
$w.WriteEndElement()
$w.WriteEndDocument()
$w.Flush()

$directory = Split-Path -Parent $OutputPath
if (-not (Test-Path $directory)) { New-Item -ItemType Directory -Path $directory | Out-Null }
[System.IO.File]::WriteAllBytes($OutputPath, $buffer.ToArray())
if ($missing.Count) { Write-Warning "No help markdown for: $($missing -join ', ') (the Help tests will fail)." }
