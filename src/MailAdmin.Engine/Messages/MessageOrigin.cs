namespace MailAdmin.Messages;

/// <summary>Where a message was read from. Later protocols add their own kinds.</summary>
public class MessageOrigin
{
    public static readonly MessageOrigin None = new MessageOrigin(null);

    public MessageOrigin(string? path) => Path = path;

    /// <summary>The file the message was read from, if any.</summary>
    public string? Path { get; }

    public virtual string? Description => Path;

    public override string? ToString() => Description;
}

/// <summary>A message read from an mbox file: the file, its place in it, and its From_ line.</summary>
public sealed class MboxOrigin : MessageOrigin
{
    public MboxOrigin(string? path, int index, long offset, string envelopeSender, string fromLine)
        : base(path)
    {
        Index = index;
        Offset = offset;
        EnvelopeSender = envelopeSender;
        FromLine = fromLine;
    }

    /// <summary>Zero-based position of the message in the mbox.</summary>
    public int Index { get; }

    /// <summary>Byte offset of the message's From_ line in the file.</summary>
    public long Offset { get; }

    /// <summary>The address on the From_ line (the envelope sender).</summary>
    public string EnvelopeSender { get; }

    /// <summary>The whole From_ line, without its line ending.</summary>
    public string FromLine { get; }

    public override string? Description => $"{Path}#{Index}";
}
