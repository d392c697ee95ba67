namespace MailAdmin.Messages.Attachments;

/// <summary>A file decoded from BinHex 4.0: the Finder information and both forks.</summary>
public sealed class BinHexFile
{
    internal BinHexFile(string fileName, string fileType, string creator, ushort flags, byte[] dataFork, byte[] resourceFork)
    {
        FileName = fileName;
        FileType = fileType;
        Creator = creator;
        Flags = flags;
        DataFork = dataFork;
        ResourceFork = resourceFork;
    }

    /// <summary>The name from the BinHex header (Mac Roman, up to 63 characters).</summary>
    public string FileName { get; }

    /// <summary>The four-character Mac file type, e.g. "TEXT".</summary>
    public string FileType { get; }

    /// <summary>The four-character Mac creator code, e.g. "MACA".</summary>
    public string Creator { get; }

    /// <summary>The Finder flags.</summary>
    public ushort Flags { get; }

    /// <summary>The data fork: what other systems call the file's content.</summary>
    public byte[] DataFork { get; }

    /// <summary>The resource fork (empty for most files sent to other systems).</summary>
    public byte[] ResourceFork { get; }
}
