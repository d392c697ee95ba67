using System;
using System.IO;
using System.Linq;
using MimeKit;

namespace MailAdmin.Messages;

/// <summary>
/// The one message type of the module. Every command that yields a message yields this,
/// so every message command accepts every message from the pipeline.
/// </summary>
/// <remarks>
/// The message keeps its original bytes: exporting an imported message writes exactly
/// what was read. The parsed <see cref="MimeKit.MimeMessage"/> is built on first use.
/// </remarks>
public sealed class MailMessage
{
    private readonly object _loadGate = new object();
    private byte[] _raw;
    private MimeMessage? _mime;
    private MimeMessage? _headersOnly;
    private int? _attachmentCount;
    private Func<byte[]>? _bodyLoader;
    private readonly long? _declaredSize;

    private MailMessage(byte[] raw, MimeMessage? parsed, MessageOrigin origin)
    {
        _raw = raw;
        _mime = parsed;
        Origin = origin;
    }

    private MailMessage(byte[] header, long size, MessageOrigin origin, Func<byte[]> bodyLoader, int? attachmentCount)
    {
        _raw = header;
        _declaredSize = size;
        Origin = origin;
        _bodyLoader = bodyLoader;
        _attachmentCount = attachmentCount;
    }

    /// <summary>
    /// A message known by its header so far, as a server listing returns it. The whole
    /// message is fetched by <paramref name="bodyLoader"/> the first time anything needs
    /// more than the header (the body, attachments, the bytes); the header fields, Size
    /// and a known attachment count (e.g. from IMAP BODYSTRUCTURE) need no fetch.
    /// </summary>
    public static MailMessage FromHeader(byte[] header, long size, MessageOrigin origin, Func<byte[]> bodyLoader, int? attachmentCount = null)
    {
        if (header == null) throw new ArgumentNullException(nameof(header));
        if (origin == null) throw new ArgumentNullException(nameof(origin));
        if (bodyLoader == null) throw new ArgumentNullException(nameof(bodyLoader));
        return new MailMessage(header, size, origin, bodyLoader, attachmentCount);
    }

    /// <summary>False while only the header has been fetched from a server.</summary>
    public bool HasBody => _bodyLoader == null;

    /// <summary>Fetches the whole message now if only the header is here.</summary>
    public void LoadBody()
    {
        if (_bodyLoader == null) return;
        lock (_loadGate)
        {
            var loader = _bodyLoader;
            if (loader == null) return;
            var full = loader() ?? throw new MessageFormatException("The server returned no message.");
            _raw = full;
            _mime = null;
            _bodyLoader = null;
        }
    }

    /// <summary>The whole message's bytes, fetching the body first when needed.</summary>
    private byte[] Raw
    {
        get
        {
            LoadBody();
            return _raw;
        }
    }

    /// <summary>The header fields; parsed from the header alone when the body is not here yet (the SMTP envelope reads it).</summary>
    internal MimeMessage HeaderMessage => HasBody ? MimeMessage : _headersOnly ??= MessageParser.Parse(_raw);

    /// <summary>Wraps raw RFC 5322 bytes; throws <see cref="MessageFormatException"/> when they are not a message.</summary>
    public static MailMessage FromBytes(byte[] raw, MessageOrigin? origin = null)
    {
        if (raw == null) throw new ArgumentNullException(nameof(raw));
        var parsed = MessageParser.Parse(raw);
        return new MailMessage(raw, parsed, origin ?? MessageOrigin.None);
    }

    /// <summary>Serialises a MimeKit message once; the bytes are then fixed.</summary>
    public static MailMessage FromMimeMessage(MimeMessage message, MessageOrigin? origin = null)
    {
        if (message == null) throw new ArgumentNullException(nameof(message));
        using var buffer = new MemoryStream();
        message.WriteTo(FormatOptions.Default, buffer);
        return new MailMessage(buffer.ToArray(), message, origin ?? MessageOrigin.None);
    }

    /// <summary>The parsed message. Changing it does not change <see cref="GetBytes"/>.</summary>
    public MimeMessage MimeMessage => _mime ??= MessageParser.Parse(Raw);

    /// <summary>Where this message came from: a file, an mbox entry, later a server folder.</summary>
    public MessageOrigin Origin { get; }

    public DateTimeOffset? Date => HeaderMessage.Headers.Contains(HeaderId.Date) ? HeaderMessage.Date : (DateTimeOffset?)null;
    public string From => HeaderMessage.From.ToString();
    public string[] To => AddressList(HeaderMessage.To);
    public string[] Cc => AddressList(HeaderMessage.Cc);
    public string[] Bcc => AddressList(HeaderMessage.Bcc);
    public string Subject => HeaderMessage.Subject ?? string.Empty;
    public string? MessageId => HeaderMessage.MessageId;
    public long Size => _declaredSize ?? _raw.LongLength;
    /// <summary>
    /// Attached files, as Get-MailAttachment lists them by default: MIME attachments and the
    /// uuencoded and BinHex files inside bodies; inline parts are not counted.
    /// </summary>
    public int AttachmentCount => _attachmentCount ??= Attachments.AttachmentFinder.Find(this).Attachments
        .Count(a => a.Disposition == Attachments.AttachmentDisposition.Attachment);
    public string? Source => Origin.Description;

    /// <summary>A copy of the message's bytes, exactly as read or built.</summary>
    public byte[] GetBytes() => (byte[])Raw.Clone();

    /// <summary>Writes the message's bytes unchanged.</summary>
    public void WriteTo(Stream destination)
    {
        var raw = Raw;
        destination.Write(raw, 0, raw.Length);
    }

    /// <summary>The bytes without a copy, for the engine's writers; never handed out to callers.</summary>
    internal byte[] RawBytes => Raw;

    /// <summary>The header bytes at least (the whole message when it is here); never fetches.</summary>
    internal byte[] HeaderBytes => _raw;

    public override string ToString() => $"{Subject} <{MessageId}>";

    private static string[] AddressList(InternetAddressList list) =>
        list.Mailboxes.Select(m => m.ToString()).ToArray();
}
