using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Text;
using MailAdmin.Health;

namespace MailAdmin.Commands;

/// <summary>Export-MailHealthReport: Test-MailServer results as one self-contained HTML file.</summary>
[Cmdlet(VerbsData.Export, "MailHealthReport", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportMailHealthReportCommand : MailAdminCmdlet
{
    private readonly List<MailServerHealth> _results = new List<MailServerHealth>();

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public MailServerHealth[] InputObject { get; set; } = new MailServerHealth[0];

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Title { get; set; } = "Mail server health";

    /// <summary>Overwrite an existing file (otherwise it is an error, as with Export-MailMessage).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => _results.AddRange(InputObject);

    protected override void EndProcessing()
    {
        var path = ResolveOutputPath(Path);
        if (File.Exists(path) && !Force)
        {
            ThrowTerminating(new IOException($"'{path}' exists; use -Force to overwrite it."), "HealthReportExists", ErrorCategory.ResourceExists, path);
            return;
        }
        if (!ShouldProcess(path, $"Write a health report of {_results.Count} result(s)")) return;
        var html = HealthReportWriter.Write(_results, Title, DateTimeOffset.Now);
        File.WriteAllText(path, html, new UTF8Encoding(false));
        if (PassThru) WriteObject(new FileInfo(path));
    }
}
