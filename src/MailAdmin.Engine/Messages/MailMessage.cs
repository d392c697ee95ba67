using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using MimeKit;

namespace MailAdmin.Messages
{
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
        private readonly byte[] _raw;
        private MimeMessage? _mime;
        private int? _attachmentCount;

        private MailMessage(byte[] raw, MimeMessage? parsed, MessageOrigin origin)
        {
            _raw = raw;
            _mime = parsed;
            Origin = origin;
        }

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
        public MimeMessage MimeMessage => _mime ??= MessageParser.Parse(_raw);

        /// <summary>Where this message came from: a file, an mbox entry, later a server folder.</summary>
        public MessageOrigin Origin { get; }

        public DateTimeOffset? Date => MimeMessage.Headers.Contains(HeaderId.Date) ? MimeMessage.Date : (DateTimeOffset?)null;
        public string From => MimeMessage.From.ToString();
        public string[] To => AddressList(MimeMessage.To);
        public string[] Cc => AddressList(MimeMessage.Cc);
        public string[] Bcc => AddressList(MimeMessage.Bcc);
        public string Subject => MimeMessage.Subject ?? string.Empty;
        public string? MessageId => MimeMessage.MessageId;
        public long Size => _raw.LongLength;
        /// <summary>
        /// Attached files, as Get-MailAttachment lists them by default: MIME attachments and the
        /// uuencoded and BinHex files inside bodies; inline parts are not counted.
        /// </summary>
        public int AttachmentCount => _attachmentCount ??= Attachments.AttachmentFinder.Find(this).Attachments
            .Count(a => a.Disposition == Attachments.AttachmentDisposition.Attachment);
        public string? Source => Origin.Description;

        /// <summary>A copy of the message's bytes, exactly as read or built.</summary>
        public byte[] GetBytes() => (byte[])_raw.Clone();

        /// <summary>Writes the message's bytes unchanged.</summary>
        public void WriteTo(Stream destination) => destination.Write(_raw, 0, _raw.Length);

        /// <summary>The bytes without a copy, for the engine's writers; never handed out to callers.</summary>
        internal byte[] RawBytes => _raw;

        public override string ToString() => $"{Subject} <{MessageId}>";

        private static string[] AddressList(InternetAddressList list) =>
            list.Mailboxes.Select(m => m.ToString()).ToArray();
    }
}
