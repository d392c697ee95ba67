using System;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Addresses
{
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
    /// A small line exchange rather than MailKit, which has no "recipient only" operation.
    /// </summary>
    public static class SmtpRcptProbe
    {
        /// <param name="connectTo">The address to connect to, when DNS already resolved <paramref name="server"/>.</param>
        public static async Task<SmtpProbeResult> ProbeAsync(string server, System.Net.IPAddress? connectTo, int port, string sender, string recipient, bool smtpUtf8, string heloName, TimeSpan timeout, CancellationToken token)
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(token);
            limit.CancelAfter(timeout);
            using var tcp = new TcpClient();
            // Closing the socket is the one way to interrupt a pending read on netstandard2.0.
            using var abort = limit.Token.Register(() => tcp.Dispose());
            var stage = "Connect";
            try
            {
                if (connectTo != null) await tcp.ConnectAsync(connectTo, port).ConfigureAwait(false);
                else await tcp.ConnectAsync(server, port).ConfigureAwait(false);
                using var stream = tcp.GetStream();
                var reader = new StreamReader(stream, new UTF8Encoding(false), false, 1024, leaveOpen: true);
                var writer = new StreamWriter(stream, new UTF8Encoding(false), 1024, leaveOpen: true) { NewLine = "\r\n", AutoFlush = true };

                stage = "Greeting";
                var (code, text) = await ReadReplyAsync(reader).ConfigureAwait(false);
                if (code != 220) return new SmtpProbeResult(server, port, code, text, stage);

                stage = "EHLO";
                (code, text) = await CommandAsync(writer, reader, "EHLO " + heloName).ConfigureAwait(false);
                var utf8Offered = text.IndexOf("SMTPUTF8", StringComparison.OrdinalIgnoreCase) >= 0;
                if (code / 100 == 5)
                    (code, text) = await CommandAsync(writer, reader, "HELO " + heloName).ConfigureAwait(false);
                if (code != 250) return await EndAsync(writer, server, port, code, text, stage).ConfigureAwait(false);

                stage = "MAIL";
                var utf8 = smtpUtf8 && utf8Offered ? " SMTPUTF8" : "";
                (code, text) = await CommandAsync(writer, reader, $"MAIL FROM:<{sender}>{utf8}").ConfigureAwait(false);
                if (code != 250) return await EndAsync(writer, server, port, code, text, stage).ConfigureAwait(false);

                stage = "RCPT";
                (code, text) = await CommandAsync(writer, reader, $"RCPT TO:<{recipient}>").ConfigureAwait(false);
                await writer.WriteLineAsync("RSET").ConfigureAwait(false);
                await ReadReplyAsync(reader).ConfigureAwait(false);
                return await EndAsync(writer, server, port, code, text, stage).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException || ex is SocketException || ex is ObjectDisposedException || ex is InvalidOperationException)
            {
                token.ThrowIfCancellationRequested();
                var why = limit.IsCancellationRequested ? $"no reply within {timeout.TotalSeconds:0.#} s" : ex.Message;
                return new SmtpProbeResult(server, port, 0, why, stage);
            }
        }

        private static async Task<SmtpProbeResult> EndAsync(StreamWriter writer, string server, int port, int code, string text, string stage)
        {
            try { await writer.WriteLineAsync("QUIT").ConfigureAwait(false); }
            catch (IOException) { /* the server may already have closed */ }
            return new SmtpProbeResult(server, port, code, text, stage);
        }

        private static async Task<(int, string)> CommandAsync(StreamWriter writer, StreamReader reader, string command)
        {
            await writer.WriteLineAsync(command).ConfigureAwait(false);
            return await ReadReplyAsync(reader).ConfigureAwait(false);
        }

        /// <summary>Reads a reply, joining the lines of a multi-line one ("250-..." until "250 ...").</summary>
        private static async Task<(int, string)> ReadReplyAsync(StreamReader reader)
        {
            var text = new StringBuilder();
            while (true)
            {
                var line = await reader.ReadLineAsync().ConfigureAwait(false) ?? throw new IOException("the server closed the connection");
                if (line.Length < 3 || !int.TryParse(line.Substring(0, 3), out var code))
                    throw new IOException($"not an SMTP reply: {line}");
                if (text.Length > 0) text.Append('\n');
                text.Append(line.Length > 4 ? line.Substring(4) : "");
                if (line.Length == 3 || line[3] != '-') return (code, text.ToString());
            }
        }
    }
}
