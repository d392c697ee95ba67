using System.Collections.Generic;
using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace MailAdmin.Client;

/// <summary>
/// MailKit's SmtpClient, able to finish a transaction when some recipients are refused.
/// MailKit throws at the first refused RCPT; inside a transaction begun with
/// <see cref="Begin"/> the refusals are collected instead, the accepted recipients still get
/// the message, and the sender asks for the DSN NOTIFY it was given. Outside such a
/// transaction (Connect-SmtpServer's session used by other code) it behaves as MailKit's own.
/// </summary>
public sealed class RecipientTrackingSmtpClient : SmtpClient
{
    private SmtpTransaction? _transaction;

    public RecipientTrackingSmtpClient(IProtocolLogger protocolLogger) : base(protocolLogger)
    {
    }

    /// <summary>Starts collecting for one MAIL transaction; <see cref="End"/> stops.</summary>
    internal SmtpTransaction Begin(DeliveryStatusNotification? notify, bool allowReencoding) =>
        _transaction = new SmtpTransaction(notify, allowReencoding);

    internal void End() => _transaction = null;

    protected override void OnSenderAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
    {
        if (_transaction != null) _transaction.SenderAccepted = true;
        base.OnSenderAccepted(message, mailbox, response);
    }

    protected override void OnRecipientAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
    {
        _transaction?.Accepted.Add(mailbox);
        base.OnRecipientAccepted(message, mailbox, response);
    }

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
    {
        if (_transaction == null)
        {
            base.OnRecipientNotAccepted(message, mailbox, response);
            return;
        }
        _transaction.Refused.Add(new SmtpRefusedRecipient(mailbox.Address, (int)response.StatusCode, response.Response));
    }

    protected override DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox) =>
        _transaction != null ? _transaction.Notify : base.GetDeliveryStatusNotifications(message, mailbox);

    /// <summary>
    /// MailKit re-encodes a message to fit the server (MimeMessage.Prepare). Our messages go
    /// as they are, byte for byte, unless the server cannot take 8-bit data and the caller
    /// handed over a private copy that may be re-encoded.
    /// </summary>
    protected override void Prepare(FormatOptions options, MimeMessage message, EncodingConstraint constraint, int maxLineLength)
    {
        if (_transaction == null || (_transaction.AllowReencoding && constraint == EncodingConstraint.SevenBit))
            base.Prepare(options, message, constraint, maxLineLength);
    }
}

/// <summary>What one MAIL transaction of <see cref="RecipientTrackingSmtpClient"/> saw.</summary>
internal sealed class SmtpTransaction
{
    public SmtpTransaction(DeliveryStatusNotification? notify, bool allowReencoding)
    {
        Notify = notify;
        AllowReencoding = allowReencoding;
    }

    public DeliveryStatusNotification? Notify { get; }
    public bool AllowReencoding { get; }

    /// <summary>
    /// MAIL FROM was accepted. Until then the RCPT replies (503 or 530 to pipelined
    /// commands after a refused MAIL) say nothing about the recipients.
    /// </summary>
    public bool SenderAccepted { get; set; }

    public List<MailboxAddress> Accepted { get; } = new List<MailboxAddress>();
    public List<SmtpRefusedRecipient> Refused { get; } = new List<SmtpRefusedRecipient>();
}
