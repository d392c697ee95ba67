using System;
using System.IO;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using MailKit;
using MailKit.Net.Smtp;

namespace MailAdmin.Delivery;

/// <summary>
/// MailKit's SmtpClient (connect, EHLO, STARTTLS, AUTH, timeouts) with the transaction driven
/// command by command, so that the queue keeps control of what MailKit decides for its own
/// Send: each recipient's ORCPT and NOTIFY as received, RET/ENVID/BODY/SMTPUTF8 as queued, one
/// reply per recipient, and above all the content as raw bytes. MailKit only sends a
/// MimeMessage, which it re-serializes; a relay must pass the queued bytes on unchanged (DKIM
/// signatures, odd but legal layouts), so the content goes straight to MailKit's connection
/// stream (TLS included), dot-stuffed here.
/// </summary>
internal sealed class OutboundSmtpClient : SmtpClient
{
    // SmtpClient keeps its (TLS-wrapped) connection stream internal; MailKit offers no public
    // way to write raw DATA. Looked up once; a MailKit without it fails loudly, and the
    // byte-exactness tests say so.
    private static readonly PropertyInfo? StreamProperty =
        typeof(SmtpClient).GetProperty("Stream", BindingFlags.Instance | BindingFlags.NonPublic);

    private static readonly MethodInfo? QueueCommandMethod = StreamProperty?.PropertyType.GetMethod("QueueCommandAsync", new[] { typeof(string), typeof(CancellationToken) });
    private static readonly MethodInfo? ReadResponseMethod = StreamProperty?.PropertyType.GetMethod("ReadResponseAsync", new[] { typeof(CancellationToken) });

    public OutboundSmtpClient() : base(new NullProtocolLogger()) { }

    private Stream ConnectionStream => StreamProperty?.GetValue(this) as Stream
        ?? throw new InvalidOperationException("This MailKit version does not expose the SMTP connection stream that raw delivery needs.");

    /// <summary>
    /// RFC 2920 pipelining: the commands go in one write, then their replies are read in
    /// order (MailKit pipelines only inside its own Send). Saves a round trip per command.
    /// </summary>
    public async Task<SmtpResponse[]> PipelineAsync(string[] commands, CancellationToken cancellationToken)
    {
        var stream = ConnectionStream;
        if (QueueCommandMethod == null || ReadResponseMethod == null)
            throw new InvalidOperationException("This MailKit version does not expose the SMTP command queue that pipelining needs.");
        foreach (var command in commands)
            await ((Task)QueueCommandMethod.Invoke(stream, new object[] { command + "\r\n", cancellationToken })!).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        var replies = new SmtpResponse[commands.Length];
        for (var i = 0; i < replies.Length; i++)
            replies[i] = await ((Task<SmtpResponse>)ReadResponseMethod.Invoke(stream, new object[] { cancellationToken })!).ConfigureAwait(false);
        return replies;
    }

    /// <summary>Sends one command line (without CRLF) and reads the whole reply; MailKit drops the connection on an I/O error.</summary>
    public Task<SmtpResponse> CommandAsync(string command, CancellationToken cancellationToken) =>
        SendCommandAsync(command, cancellationToken);

    /// <summary>Writes message content after a 354: dot-stuffed, ending with CRLF, then the final "." line; returns the end-of-data reply.</summary>
    public async Task<SmtpResponse> SendDataAsync(Stream content, CancellationToken cancellationToken)
    {
        var stream = ConnectionStream;
        var stuffer = new SmtpDotStuffer();
        var input = new byte[81920];
        var output = new byte[input.Length * 2 + 2];
        int read;
        while ((read = await content.ReadAsync(input, 0, input.Length, cancellationToken).ConfigureAwait(false)) > 0)
        {
            var count = stuffer.Stuff(input, read, output);
            await stream.WriteAsync(output, 0, count, cancellationToken).ConfigureAwait(false);
        }
        var tail = stuffer.Finish(output);
        if (tail > 0) await stream.WriteAsync(output, 0, tail, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        return await SendCommandAsync(".", cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// RFC 5321 §4.5.2 transparency: a dot at the start of a line is doubled, and the content ends
/// with CRLF (SMTP needs it before the final dot; it is the one byte pair a message without a
/// line end gains). A line starts after any LF, bare or not, so that no receiver, strict or
/// lenient about bare LF, can take a content line for the end of data.
/// </summary>
internal sealed class SmtpDotStuffer
{
    private bool _lineStart = true;
    private byte _last, _beforeLast;
    private bool _empty = true;

    /// <summary>Copies <paramref name="count"/> bytes of <paramref name="input"/> to <paramref name="output"/> (room for 2×count), returns the bytes written.</summary>
    public int Stuff(byte[] input, int count, byte[] output)
    {
        var o = 0;
        for (var i = 0; i < count; i++)
        {
            var b = input[i];
            if (_lineStart && b == (byte)'.') output[o++] = (byte)'.';
            output[o++] = b;
            _lineStart = b == (byte)'\n';
            _beforeLast = _last;
            _last = b;
        }
        if (count > 0) _empty = false;
        return o;
    }

    /// <summary>The CRLF a message without a final line end needs (nothing for empty content or one that ends in CRLF).</summary>
    public int Finish(byte[] output)
    {
        if (_empty || (_last == (byte)'\n' && _beforeLast == (byte)'\r')) return 0;
        output[0] = (byte)'\r';
        output[1] = (byte)'\n';
        return 2;
    }
}
