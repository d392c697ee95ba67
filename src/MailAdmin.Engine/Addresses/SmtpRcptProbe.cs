using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MailAdmin.Health;

namespace MailAdmin.Addresses;

/// <summary>How a mail server answered RCPT TO for an address.</summary>
public sealed class SmtpProbeResult
{
    internal SmtpProbeResult(string server, int port, int code, string reply, string stage)
    {
        Server = server;
        Port = port;
        Code = code;
        Reply = reply;
        Stage = stage;
    }

    public string Server { get; }

    public int Port { get; }

    /// <summary>The reply code of the last command sent (0 when the connection failed).</summary>
    public int Code { get; }

    public string Reply { get; }

    /// <summary>The step the probe reached: Connect, Greeting, EHLO, MAIL, RCPT.</summary>
    public string Stage { get; }

    /// <summary>The server took the recipient (250 or 251 to RCPT TO).</summary>
    public bool Accepted => Stage == "RCPT" && (Code == 250 || Code == 251);

    public override string ToString() => $"{Code} {Reply}";
}

/// <summary>
/// Asks a mail server whether it takes a recipient: greeting, EHLO (HELO if refused),
/// MAIL FROM, RCPT TO, then RSET and QUIT. DATA is never sent, so no message is delivered.
/// A small line exchange over the health checks' <see cref="ProbeConnection"/> rather than
/// MailKit, which has no "recipient only" operation.
/// </summary>
public static class SmtpRcptProbe
{
    private static readonly Encoding Utf8 = new UTF8Encoding(false);

    /// <param name="connectTo">The address to connect to, when DNS already resolved <paramref name="server"/>.</param>
    /// <param name="timeout">For the whole probe, connection included.</param>
    public static async Task<SmtpProbeResult> ProbeAsync(string server, IPAddress? connectTo, int port, string sender, string recipient, bool smtpUtf8, string heloName, TimeSpan timeout, CancellationToken token)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(token);
        limit.CancelAfter(timeout);
        var stage = "Connect";
        try
        {
            // UTF-8 on the wire, so an SMTPUTF8 (RFC 6531) address reaches the server intact.
            using var connection = await ProbeConnection.ConnectAsync(connectTo?.ToString() ?? server, port, timeout, limit.Token, Utf8).ConfigureAwait(false);

            stage = "Greeting";
            var (code, text) = Joined(await connection.ReadSmtpReplyAsync(limit.Token).ConfigureAwait(false));
            if (code != 220) return new SmtpProbeResult(server, port, code, text, stage);

            stage = "EHLO";
            (code, text) = await CommandAsync(connection, "EHLO " + heloName, limit.Token).ConfigureAwait(false);
            var utf8Offered = text.IndexOf("SMTPUTF8", StringComparison.OrdinalIgnoreCase) >= 0;
            if (code / 100 == 5)
                (code, text) = await CommandAsync(connection, "HELO " + heloName, limit.Token).ConfigureAwait(false);
            if (code != 250) return await EndAsync(connection, server, port, code, text, stage, limit.Token).ConfigureAwait(false);

            stage = "MAIL";
            var utf8 = smtpUtf8 && utf8Offered ? " SMTPUTF8" : "";
            (code, text) = await CommandAsync(connection, $"MAIL FROM:<{sender}>{utf8}", limit.Token).ConfigureAwait(false);
            if (code != 250) return await EndAsync(connection, server, port, code, text, stage, limit.Token).ConfigureAwait(false);

            stage = "RCPT";
            (code, text) = await CommandAsync(connection, $"RCPT TO:<{recipient}>", limit.Token).ConfigureAwait(false);
            await CommandAsync(connection, "RSET", limit.Token).ConfigureAwait(false);
            return await EndAsync(connection, server, port, code, text, stage, limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException || ex is SocketException || ex is TimeoutException || ex is ProtocolViolation
                                   || ex is ObjectDisposedException || (ex is OperationCanceledException && !token.IsCancellationRequested))
        {
            var why = limit.IsCancellationRequested || ex is TimeoutException ? $"no reply within {timeout.TotalSeconds:0.#} s" : ex.Message;
            return new SmtpProbeResult(server, port, 0, why, stage);
        }
    }

    private static async Task<SmtpProbeResult> EndAsync(ProbeConnection connection, string server, int port, int code, string text, string stage, CancellationToken token)
    {
        try { await connection.WriteLineAsync("QUIT", token).ConfigureAwait(false); }
        catch (Exception ex) when (ex is IOException || ex is SocketException || ex is OperationCanceledException)
        {
            // The server may already have closed; the answer is in hand.
        }
        return new SmtpProbeResult(server, port, code, text, stage);
    }

    private static async Task<(int, string)> CommandAsync(ProbeConnection connection, string command, CancellationToken token)
    {
        await connection.WriteLineAsync(command, token).ConfigureAwait(false);
        return Joined(await connection.ReadSmtpReplyAsync(token).ConfigureAwait(false));
    }

    /// <summary>The lines of a multi-line reply joined with "\n".</summary>
    private static (int, string) Joined((int Code, List<string> Lines) reply) => (reply.Code, string.Join("\n", reply.Lines));
}
