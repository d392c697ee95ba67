using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Net.Mail;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Client;
using MailAdmin.Messages;
using MailMessage = MailAdmin.Messages.MailMessage;
using MailPriority = MailAdmin.Messages.MailPriority;

namespace MailAdmin.Commands;

/// <summary>
/// Send-SmtpMessage: sends mail over SMTP. It takes the built-in Send-MailMessage's
/// parameters (a script migrates by renaming the command), or module messages from the
/// pipeline, all over one connection. The engine's <see cref="SmtpMessageSender"/> does the
/// sending: envelope, refused recipients, retries, the result.
/// </summary>
[Cmdlet(VerbsCommunications.Send, "SmtpMessage", SupportsShouldProcess = true, DefaultParameterSetName = ComposeSet)]
[OutputType(typeof(SmtpSendResult))]
public sealed class SendSmtpMessageCommand : MailClientCmdlet<SmtpClientSession>
{
    private const string ComposeSet = "Compose";
    private const string MessageSet = "Message";

    private readonly List<string> _attachments = new List<string>();
    private SmtpRetryPolicy? _retry;
    private SmtpMessageSender? _sender;

    /// <summary>Messages to send as they are (New-MailMessage, Import-MailMessage, ...).</summary>
    [Parameter(ParameterSetName = MessageSet, Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("InputObject")]
    [ValidateNotNull]
    public MailMessage[] Message { get; set; } = new MailMessage[0];

    [Parameter(ParameterSetName = ComposeSet, Mandatory = true, Position = 0)]
    [Parameter(ParameterSetName = MessageSet)]
    [ValidateNotNullOrEmpty]
    public string[]? To { get; set; }

    [Parameter(ParameterSetName = ComposeSet, Mandatory = true)]
    [Parameter(ParameterSetName = MessageSet)]
    [ValidateNotNullOrEmpty]
    public string? From { get; set; }

    [Parameter(ParameterSetName = ComposeSet, Position = 1)]
    [Alias("sub")]
    [AllowEmptyString]
    [AllowNull]
    public string? Subject { get; set; }

    [Parameter(ParameterSetName = ComposeSet, Position = 2)]
    [AllowEmptyString]
    [AllowNull]
    public string? Body { get; set; }

    [Parameter(ParameterSetName = ComposeSet)]
    [ValidateNotNullOrEmpty]
    public string[] Cc { get; set; } = new string[0];

    [Parameter(ParameterSetName = ComposeSet)]
    [ValidateNotNullOrEmpty]
    public string[] Bcc { get; set; } = new string[0];

    [Parameter(ParameterSetName = ComposeSet)]
    [ValidateNotNullOrEmpty]
    public string[] ReplyTo { get; set; } = new string[0];

    [Parameter(ParameterSetName = ComposeSet)]
    [Alias("BAH")]
    public SwitchParameter BodyAsHtml { get; set; }

    /// <summary>Files to attach; piped paths or files are all attached to the one message, as with Send-MailMessage.</summary>
    [Parameter(ParameterSetName = ComposeSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PsPath", "Attachment", "Att")]
    [ValidateNotNullOrEmpty]
    public string[]? Attachments { get; set; }

    [Parameter(ParameterSetName = ComposeSet)]
    public MailPriority Priority { get; set; } = MailPriority.Normal;

    [Parameter(ParameterSetName = ComposeSet)]
    [Alias("BE")]
    [EncodingTransformation]
    public Encoding? Encoding { get; set; }

    [Parameter(ParameterSetName = ComposeSet)]
    [ValidateNotNull]
    public Hashtable? Header { get; set; }

    [Parameter]
    [Alias("DNO")]
    public DeliveryNotificationOptions DeliveryNotificationOption { get; set; } = DeliveryNotificationOptions.None;

    /// <summary>Send-MailMessage's -SmtpServer, our -Server.</summary>
    [Parameter(ParameterSetName = ComposeSet, Position = 3)]
    [Parameter(ParameterSetName = MessageSet)]
    [Alias("ComputerName", "HostName", "SmtpServer")]
    [ValidateNotNullOrEmpty]
    public override string? Server { get; set; }

    /// <summary>TLS as Send-MailMessage -UseSsl asks: STARTTLS, or implicit TLS on port 465.</summary>
    [Parameter]
    public SwitchParameter UseSsl { get; set; }

    [Parameter]
    [ValidateRange(0, 100)]
    public int RetryCount { get; set; } = 2;

    /// <summary>Seconds before the first retry; each further retry waits twice as long.</summary>
    [Parameter]
    [ValidateRange(0.0, 3600.0)]
    public double RetryDelay { get; set; } = 5;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Signs each message with S/MIME (-Certificate), as Protect-MailMessage -Sign does.</summary>
    [Parameter]
    public SwitchParameter Sign { get; set; }

    /// <summary>Encrypts each message with S/MIME for -RecipientCertificate, as Protect-MailMessage -Encrypt does.</summary>
    [Parameter]
    public SwitchParameter Encrypt { get; set; }

    /// <summary>With -Sign: the signer's certificate with its key (object, PFX or PEM path, or a Windows thumbprint).</summary>
    [Parameter]
    [ValidateNotNull]
    public object? Certificate { get; set; }

    [Parameter]
    public System.Security.SecureString? CertificatePassword { get; set; }

    /// <summary>With -Encrypt: the certificates of those who may read the message.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public object[]? RecipientCertificate { get; set; }

    [Parameter]
    public MailAdmin.Security.SmimeSignatureType SignatureType { get; set; } = MailAdmin.Security.SmimeSignatureType.Detached;

    private MailAdmin.Security.SmimeOptions? _smime;

    protected override MailClientProtocol Protocol => MailClientProtocol.Smtp;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        try
        {
            // Checked here, used by the sender (no MailKit type in this class's fields: the module
            // loads them from deps/ only after PowerShell has read its cmdlets).
            SmtpSendEnvelope.CheckNotify(DeliveryNotificationOption);
        }
        catch (ArgumentException ex)
        {
            ThrowTerminating(ex, "SmtpInvalidDeliveryNotification", ErrorCategory.InvalidArgument, DeliveryNotificationOption);
        }
        _retry = new SmtpRetryPolicy(RetryCount, TimeSpan.FromSeconds(RetryDelay));
        // The same reading of the S/MIME parameters as Protect-MailMessage's.
        if (Sign || Encrypt)
            _smime = SmimeCmdletOptions.Build(this, Sign, Encrypt, Certificate, CertificatePassword, RecipientCertificate, SignatureType);

        if (UseSsl)
        {
            if (Secure == MailSecurity.None)
                ThrowTerminating(new ArgumentException("-UseSsl and -Secure None contradict each other."), "ConflictingSecurityParameters", ErrorCategory.InvalidArgument, null);
            if (Secure == MailSecurity.Auto)
                Secure = Port == 465 ? MailSecurity.Tls : MailSecurity.StartTls;
        }

        // Send-MailMessage falls back to $PSEmailServer; so do we, when nothing else names a server.
        if (Server == null && Session == null && ClientSessionRegistry.Current<SmtpClientSession>() == null)
        {
            var value = GetVariableValue("PSEmailServer");
            if ((value is PSObject wrapped ? wrapped.BaseObject : value) is string fallback && !string.IsNullOrWhiteSpace(fallback))
                Server = fallback;
        }
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == MessageSet)
        {
            foreach (var message in Message)
            {
                ThrowIfStopping();
                Send(message, From, To);
            }
            return;
        }
        // Composing: attachments may come down the pipeline; the message goes in EndProcessing.
        if (Attachments != null)
            _attachments.AddRange(Attachments.Select(ResolveOutputPath));
    }

    protected override void EndProcessing()
    {
        if (ParameterSetName == ComposeSet)
        {
            var built = Compose();
            if (built != null) Send(built, null, null);
        }
        base.EndProcessing();
    }

    private MailMessage? Compose()
    {
        var spec = new MessageSpec
        {
            From = From,
            To = (To ?? new string[0]).ToList(),
            Cc = Cc.ToList(),
            Bcc = Bcc.ToList(),
            ReplyTo = ReplyTo.ToList(),
            Subject = Subject,
            Body = Body,
            BodyAsHtml = BodyAsHtml,
            Priority = Priority,
            Encoding = Encoding,
            AttachmentPaths = _attachments.Distinct(StringComparer.Ordinal).ToList(),
        };
        return MessageComposition.Build(this, spec, Header);
    }

    private void Send(MailMessage message, string? from, string[]? to)
    {
        if (_smime != null)
        {
            try
            {
                message = MailAdmin.Security.SmimeProtector.Protect(message, _smime, CancellationToken);
            }
            catch (MailAdmin.Security.MailSecurityException ex)
            {
                WriteError(ex, ex.ErrorId, ErrorCategory.InvalidOperation, message);
                return;
            }
        }
        SmtpSendEnvelope envelope;
        try
        {
            envelope = SmtpSendEnvelope.Create(message, from, to);
        }
        catch (ArgumentException ex)
        {
            WriteError(ex, "SmtpEnvelopeInvalid", ErrorCategory.InvalidArgument, message);
            return;
        }

        // -WhatIf: no connection at all.
        if (!ShouldProcess($"'{message.Subject}' <{message.MessageId}> {envelope}", "Send"))
            return;

        var session = GetSession();
        _sender ??= new SmtpMessageSender(session, _retry!, DeliveryNotificationOption);
        SmtpSendOutcome? outcome = null;
        RunAsync(async token => outcome = await _sender.SendAsync(message, envelope, VerboseListener(), token).ConfigureAwait(false));

        foreach (var refusal in outcome!.Refusals)
            WriteClientError(refusal.Error, refusal.Recipient);
        if (outcome.Failure != null)
            WriteClientError(outcome.Failure, message);
        if (outcome.Result != null)
        {
            WriteVerbose($"Sent <{outcome.Result.MessageId}> to {outcome.Result.Accepted.Length} recipient(s) in {outcome.Result.Elapsed.TotalMilliseconds:0} ms: {outcome.Result.Reply}");
            if (PassThru) WriteObject(outcome.Result);
        }
    }

    /// <summary>Our own connection (-Server) is retried like a message: a 421 greeting, a timeout.</summary>
    protected override Task<MailClientSession> OpenSessionAsync(MailClientOptions options, Action<string>? listener, CancellationToken cancellationToken) =>
        _retry!.RunAsync(token => MailClientConnector.ConnectAsync(options, listener, token), listener, cancellationToken);
}
