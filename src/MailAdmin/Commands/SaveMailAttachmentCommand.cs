using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using MailAdmin.Messages;
using MailAdmin.Messages.Attachments;

namespace MailAdmin.Commands;

/// <summary>
/// Save-MailAttachment: writes attachments, decoded, as files in a folder. Takes messages
/// (-Message, -Path, -LiteralPath) or the attachments that Get-MailAttachment returns.
/// File names are made safe; an existing file is kept unless -Force.
/// </summary>
[Cmdlet(VerbsData.Save, "MailAttachment", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class SaveMailAttachmentCommand : MessageInputCmdlet
{
    private const string AttachmentSet = "Attachment";
    private readonly HashSet<string> _usedNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
    private string _destination = string.Empty;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = AttachmentSet)]
    [ValidateNotNull]
    public MailAttachment[] Attachment { get; set; } = new MailAttachment[0];

    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    [Parameter(ParameterSetName = MessageSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    [Parameter(ParameterSetName = MessageSet)]
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = LiteralPathSet)]
    public SwitchParameter IncludeInline { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void BeginProcessing()
    {
        _destination = System.IO.Path.GetFullPath(ResolveOutputPath(Destination ?? SessionState.Path.CurrentFileSystemLocation.ProviderPath));
        if (File.Exists(_destination))
            ThrowTerminating(new IOException($"The destination '{_destination}' is a file; give a folder."), "MailAttachmentDestinationIsFile", ErrorCategory.InvalidArgument, _destination);
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName != AttachmentSet)
        {
            base.ProcessRecord();
            return;
        }
        foreach (var attachment in Attachment)
        {
            ThrowIfStopping();
            Save(attachment);
        }
    }

    protected override void ProcessMessage(MailMessage message)
    {
        foreach (var attachment in AttachmentSelection.Select(this, message, Name, IncludeInline))
        {
            ThrowIfStopping();
            Save(attachment);
        }
    }

    private void Save(MailAttachment attachment)
    {
        string target;
        try
        {
            target = TargetPath(attachment);
        }
        catch (InvalidOperationException ex)
        {
            WriteError(ex, "MailAttachmentNameInvalid", ErrorCategory.InvalidData, attachment);
            return;
        }
        bool exists = File.Exists(target);
        if (Directory.Exists(target))
        {
            WriteError(new IOException($"'{target}' is a folder; the attachment '{attachment.FileName}' cannot be saved there."), "MailAttachmentExists", ErrorCategory.ResourceExists, target);
            return;
        }
        if (exists && !Force)
        {
            WriteError(new IOException($"The file '{target}' already exists. Use -Force to overwrite it."), "MailAttachmentExists", ErrorCategory.ResourceExists, target);
            return;
        }
        var action = exists ? $"Overwrite with attachment '{attachment.FileName}'" : $"Save attachment '{attachment.FileName}'";
        if (!ShouldProcess(target, action))
            return;

        try
        {
            Directory.CreateDirectory(_destination);
            Write(attachment, target, overwrite: exists);
        }
        catch (Exception ex) when (ex is FormatException)
        {
            WriteError(ex, "MailAttachmentCorrupt", ErrorCategory.InvalidData, attachment);
            return;
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            WriteError(ex, "MailAttachmentSaveFailed", ErrorCategory.WriteError, target);
            return;
        }
        if (PassThru)
        {
            // Through the provider, so the object has PSPath and the usual file view.
            foreach (var item in InvokeProvider.Item.Get(new[] { target }, force: true, literalPath: true))
                WriteObject(item);
        }
    }

    /// <summary>
    /// The file for the attachment: its sanitised name in the destination. Two attachments
    /// of the same name in one run get "name-2.ext", "name-3.ext" rather than overwrite
    /// each other.
    /// </summary>
    private string TargetPath(MailAttachment attachment)
    {
        var safe = AttachmentFileNames.Sanitize(attachment.FileName);
        var candidate = safe;
        for (int n = 2; _usedNames.Contains(candidate); n++)
            candidate = AttachmentFileNames.Numbered(safe, n);
        _usedNames.Add(candidate);

        var target = System.IO.Path.GetFullPath(System.IO.Path.Combine(_destination, candidate));
        // Defence in depth: whatever the name, the file lands directly in the destination.
        if (!string.Equals(System.IO.Path.GetDirectoryName(target), System.IO.Path.GetDirectoryName(System.IO.Path.Combine(_destination, "x")), StringComparison.Ordinal))
            throw new InvalidOperationException($"The attachment name '{attachment.FileName}' would leave the destination folder.");
        return target;
    }

    /// <summary>Writes the decoded bytes and flushes them to disk; a failed write leaves no partial file.</summary>
    private static void Write(MailAttachment attachment, string target, bool overwrite)
    {
        bool created = false;
        try
        {
            using var stream = new FileStream(target, overwrite ? FileMode.Create : FileMode.CreateNew, FileAccess.Write, FileShare.None);
            created = true;
            attachment.WriteTo(stream);
            stream.Flush(flushToDisk: true);
        }
        catch when (created)
        {
            try { File.Delete(target); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
