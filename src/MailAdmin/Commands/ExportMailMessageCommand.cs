using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using MailAdmin.Messages;

namespace MailAdmin.Commands;

public enum MailFileFormat { Eml, Mbox }

/// <summary>
/// Export-MailMessage: writes messages to .eml files (bytes unchanged) or appends them to
/// an mbox. -Path may be a folder, which receives one .eml per message.
/// </summary>
[Cmdlet(VerbsData.Export, "MailMessage", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportMailMessageCommand : MailAdminCmdlet
{
    private readonly HashSet<string> _truncatedMboxes = new HashSet<string>(StringComparer.Ordinal);
    private readonly HashSet<string> _writtenEmls = new HashSet<string>(StringComparer.Ordinal);

    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public MailMessage[] Message { get; set; } = new MailMessage[0];

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    [Parameter]
    public MailFileFormat Format { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var target = ResolveOutputPath(Path);
        bool toFolder = Directory.Exists(target);
        // "./split/" names a folder even before it exists (the README exports that way): create it.
        if (!toFolder && EndsWithSeparator(Path))
        {
            toFolder = true;
            if (!_createdFolder && ShouldProcess(target, "Create folder"))
            {
                try { Directory.CreateDirectory(target); }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    ThrowTerminating(ex, "MailExportFolderNotCreated", ErrorCategory.WriteError, target);
                }
            }
            _createdFolder = true;
        }
        var format = MyInvocation.BoundParameters.ContainsKey(nameof(Format))
            ? Format
            : (!toFolder && MessageFiles.HasMboxExtension(target) ? MailFileFormat.Mbox : MailFileFormat.Eml);
        if (toFolder && format == MailFileFormat.Mbox)
            ThrowTerminating(new ArgumentException($"'{target}' is a folder; an mbox export needs a file path."), "MailExportPathIsFolder", ErrorCategory.InvalidArgument, target);

        foreach (var message in Message)
        {
            ThrowIfStopping();
            try
            {
                if (format == MailFileFormat.Mbox)
                    ExportToMbox(message, target);
                else
                    ExportToEml(message, toFolder ? ExportFileNames.UniqueEmlPath(target, message, _writtenEmls) : target);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                WriteError(ex, "MailExportFailed", ErrorCategory.WriteError, target);
            }
            catch (MessageFormatException ex)
            {
                WriteError(ex, "MailExportNotMbox", ErrorCategory.InvalidData, target);
            }
            catch (MailAdmin.Client.MailClientException ex)
            {
                // The body was still on the server and could not be fetched: nothing was written.
                WriteError(new ErrorRecord(ex, "MailExportBodyUnavailable", ErrorCategory.ConnectionError, message)
                { ErrorDetails = new ErrorDetails($"'{message.Subject}' was not exported: {ex.Message}") });
            }
        }
    }

    private bool _createdFolder;

    private static bool EndsWithSeparator(string path) => path.EndsWith("/", StringComparison.Ordinal) || path.EndsWith("\\", StringComparison.Ordinal);

    private void ExportToEml(MailMessage message, string file)
    {
        // The same file named twice in one pipeline would silently keep only the last message.
        if (_writtenEmls.Contains(file))
        {
            WriteError(new IOException($"'{file}' already received a message in this export; give a folder or .mbox path to export several messages."), "MailExportFileExists", ErrorCategory.ResourceExists, file);
            return;
        }
        bool exists = File.Exists(file);
        if (exists && !Force)
        {
            WriteError(new IOException($"The file '{file}' already exists. Use -Force to overwrite it."), "MailExportFileExists", ErrorCategory.ResourceExists, file);
            return;
        }
        if (!ShouldProcess(file, exists ? "Overwrite with message '" + message.Subject + "'" : "Export message '" + message.Subject + "'"))
            return;
        // Fetch a body still on the server before the file exists, so that a failure leaves no file behind.
        message.LoadBody();
        MessageFiles.WriteEml(file, message, overwrite: Force);
        _writtenEmls.Add(file);
        if (PassThru) WriteObject(new FileInfo(file));
    }

    private void ExportToMbox(MailMessage message, string file)
    {
        bool truncate = Force && File.Exists(file) && !_truncatedMboxes.Contains(file);
        if (!ShouldProcess(file, truncate ? "Overwrite mbox with message '" + message.Subject + "'" : "Append message '" + message.Subject + "' to mbox"))
            return;
        message.LoadBody();
        if (truncate)
            File.WriteAllBytes(file, new byte[0]);
        _truncatedMboxes.Add(file);
        MessageFiles.AppendMbox(file, message);
        if (PassThru) WriteObject(new FileInfo(file));
    }
}
