using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace MailAdmin.Health;

/// <summary>
/// The line-based conversation of a health check, over TCP and then TLS. Every read waits
/// at most the timeout (a server that accepts but never greets must not hang the check),
/// and every line goes to a transcript with the secrets blanked out.
/// </summary>
internal sealed class ProbeConnection : IDisposable
{
    private static readonly Encoding Latin1 = Encoding.GetEncoding("ISO-8859-1");
    private readonly TcpClient _tcp;
    private readonly Encoding _encoding;
    private readonly TimeSpan _timeout;
    private readonly List<string> _transcript = new List<string>();
    private readonly List<string> _secrets = new List<string>();
    private readonly byte[] _buffer = new byte[8192];
    private int _start, _end;
    private Stream _stream;

    private ProbeConnection(TcpClient tcp, TimeSpan timeout, Encoding encoding)
    {
        _tcp = tcp;
        _timeout = timeout;
        _encoding = encoding;
        _stream = tcp.GetStream();
    }

    /// <param name="encoding">How lines become bytes: Latin-1 by default (any byte round-trips); UTF-8 for SMTPUTF8 addresses.</param>
    public static async Task<ProbeConnection> ConnectAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken, Encoding? encoding = null)
    {
        var tcp = new TcpClient(System.Net.Sockets.AddressFamily.InterNetworkV6) { NoDelay = true };
        tcp.Client.DualMode = true;
        try
        {
            var connect = tcp.ConnectAsync(host, port);
            if (await Task.WhenAny(connect, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false) != connect)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new TimeoutException($"No TCP connection within {timeout.TotalSeconds:0.#} s.");
            }
            await connect.ConfigureAwait(false);
            return new ProbeConnection(tcp, timeout, encoding ?? Latin1);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    public IReadOnlyList<string> Transcript => _transcript;

    public bool IsSecure => _stream is SslStream;

    /// <summary>Makes sure <paramref name="secret"/> (and its base64 forms, as AUTH sends them) never reaches the transcript.</summary>
    public void AddSecret(string secret)
    {
        if (!string.IsNullOrEmpty(secret)) _secrets.Add(secret);
    }

    public async Task WriteLineAsync(string line, CancellationToken cancellationToken)
    {
        Record("C: " + line);
        var bytes = _encoding.GetBytes(line + "\r\n");
        using var timeout = TimeoutToken(cancellationToken);
        await _stream.WriteAsync(bytes, 0, bytes.Length, timeout.Token).ConfigureAwait(false);
        await _stream.FlushAsync(timeout.Token).ConfigureAwait(false);
    }

    /// <summary>The next line without its CRLF; throws TimeoutException when none comes in time, IOException when the server closed.</summary>
    public async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        // Bytes gather until the LF and are decoded once, so a UTF-8 character split across reads stays whole.
        var line = new MemoryStream();
        while (true)
        {
            for (var i = _start; i < _end; i++)
            {
                if (_buffer[i] != (byte)'\n') continue;
                line.Write(_buffer, _start, i - _start);
                _start = i + 1;
                var text = _encoding.GetString(line.GetBuffer(), 0, (int)line.Length).TrimEnd('\r');
                Record("S: " + text);
                return text;
            }
            line.Write(_buffer, _start, _end - _start);
            if (line.Length > 64 * 1024) throw new IOException("The server sent a line longer than 64 KiB.");
            _start = _end = 0;
            int read;
            using (var timeout = TimeoutToken(cancellationToken))
            {
                try
                {
                    var reading = _stream.ReadAsync(_buffer, 0, _buffer.Length, timeout.Token);
                    // Not every stream honours the token; the delay makes the timeout certain.
                    if (await Task.WhenAny(reading, Task.Delay(Timeout.Infinite, timeout.Token)).ConfigureAwait(false) != reading)
                        throw new OperationCanceledException(timeout.Token);
                    read = await reading.ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"The server sent nothing for {_timeout.TotalSeconds:0.#} s.");
                }
            }
            if (read == 0) throw new IOException("The server closed the connection.");
            _end = read;
        }
    }

    /// <summary>One SMTP reply: its code and the text of each line (a multi-line reply runs "250-..." to "250 ...").</summary>
    public async Task<(int Code, List<string> Lines)> ReadSmtpReplyAsync(CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line.Length < 3 || !int.TryParse(line.Substring(0, 3), out var code))
                throw new ProtocolViolation($"Not an SMTP reply: {line}");
            lines.Add(line.Length > 4 ? line.Substring(4) : "");
            if (line.Length == 3 || line[3] == ' ') return (code, lines);
        }
    }

    /// <summary>
    /// Starts TLS. The certificate is never refused here: the check judges it afterwards
    /// from <paramref name="seen"/>, so an expired or misnamed certificate is reported,
    /// not just a failed handshake.
    /// </summary>
    public async Task<SslStream> StartTlsAsync(string host, Action<X509Certificate2?, X509Chain?, SslPolicyErrors> seen, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(_stream, false, (sender, certificate, chain, errors) =>
        {
            seen(certificate == null ? null : new X509Certificate2(certificate), chain, errors);
            return true;
        });
        var handshake = ssl.AuthenticateAsClientAsync(host);
        if (await Task.WhenAny(handshake, Task.Delay(_timeout, cancellationToken)).ConfigureAwait(false) != handshake)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"The TLS handshake did not finish within {_timeout.TotalSeconds:0.#} s.");
        }
        await handshake.ConfigureAwait(false);
        _stream = ssl;
        _start = _end = 0;
        Record($"-- TLS {ssl.SslProtocol}, {ssl.CipherAlgorithm} {ssl.CipherStrength}");
        return ssl;
    }

    private CancellationTokenSource TimeoutToken(CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        source.CancelAfter(_timeout);
        return source;
    }

    private void Record(string line)
    {
        foreach (var secret in _secrets)
            line = line.Replace(secret, "********");
        _transcript.Add(line);
    }

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }
}
