using System;
using System.IO;
using MailAdmin.Protocols.Imap.Mime;
using MailAdmin.Store;
using MimeKit;

namespace MailAdmin.Protocols.Imap;

/// <summary>One message as FETCH and SEARCH see it: its sequence number, store entry and (lazily) its bytes.</summary>
public sealed class ImapMessageContext
{
    private readonly Func<byte[]> _loadBytes;
    private byte[]? _bytes;
    private MimeMessage? _mime;
    private RawEntity? _structure;
    private RawHeaderList? _headers;

    public ImapMessageContext(uint sequenceNumber, StoredMessage stored, Func<byte[]> loadBytes)
    {
        SequenceNumber = sequenceNumber;
        Stored = stored ?? throw new ArgumentNullException(nameof(stored));
        _loadBytes = loadBytes ?? throw new ArgumentNullException(nameof(loadBytes));
    }

    /// <summary>A context over a cached header block whose fields are already parsed (see ImapHeaderCache).</summary>
    internal ImapMessageContext(uint sequenceNumber, StoredMessage stored, ImapHeaderCache.Entry header)
        : this(sequenceNumber, stored, () => header.Bytes)
    {
        _bytes = header.Bytes;
        _headers = header.Headers;
        CachedHeader = header;
    }

    /// <summary>The header cache's entry when this context was made from one; it also keeps the rendered ENVELOPE.</summary>
    internal ImapHeaderCache.Entry? CachedHeader { get; }

    public uint SequenceNumber { get; }

    public StoredMessage Stored { get; }

    /// <summary>The raw message, loaded on first use.</summary>
    public byte[] Bytes => _bytes ??= _loadBytes() ?? Array.Empty<byte>();

    /// <summary>Whether <see cref="Bytes"/> has been loaded already.</summary>
    public bool IsLoaded => _bytes != null;

    /// <summary>The parsed message, on first use. Never throws for broken MIME: falls back to a text/plain body.</summary>
    public MimeMessage Mime => _mime ??= LoadMime(Bytes);

    /// <summary>SEARCH's decoded body text, kept so that several text keys decode once.</summary>
    internal string? SearchBodyText { get; set; }

    /// <summary>The top-level header fields, as byte ranges of <see cref="Bytes"/> (cheap: the body is not parsed).</summary>
    internal RawHeaderList Headers => _headers ??= _structure?.Headers ?? RawHeaderList.Parse(Bytes, 0, Bytes.Length);

    /// <summary>The MIME tree as byte ranges of <see cref="Bytes"/>, parsed once.</summary>
    internal RawEntity Structure => _structure ??= RawMimeParser.ParseMessage(Bytes);

    private static MimeMessage LoadMime(byte[] bytes)
    {
        try
        {
            using var stream = new MemoryStream(bytes, false);
            return MimeMessage.Load(stream);
        }
        catch (Exception e) when (e is FormatException || e is ParseException || e is InvalidOperationException || e is ArgumentException)
        {
            var fallback = new MimeMessage();
            var part = new TextPart("plain") { Content = new MimeContent(new MemoryStream(bytes, false)) };
            fallback.Body = part;
            return fallback;
        }
    }
}
