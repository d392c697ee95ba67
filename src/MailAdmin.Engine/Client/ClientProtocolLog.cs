using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using MailKit;

namespace MailAdmin.Client;

/// <summary>
/// MailKit's protocol logger for the client cmdlets: it turns the conversation into
/// "C: " / "S: " lines, blanks out passwords and tokens, and hands each line to whoever
/// listens now (-Verbose of the cmdlet using the session) and to the -LogPath file.
/// </summary>
/// <remarks>
/// MailKit tells us where the secrets are: during authentication it sets
/// <see cref="AuthenticationSecretDetector"/>, which finds the password or token bytes in
/// what the client writes (SASL responses, LOGIN, USER/PASS). Those bytes become '*'
/// before any line is formed, so a secret reaches neither the screen nor the file.
/// </remarks>
public sealed class ClientProtocolLog : IProtocolLogger
{
    /// <summary>Longer lines (message bodies, base64) are cut; the log is for people.</summary>
    private const int MaxLineLength = 998;

    private readonly object _gate = new object();
    private readonly StringBuilder _client = new StringBuilder();
    private readonly StringBuilder _server = new StringBuilder();
    private StreamWriter? _file;

    public ClientProtocolLog(string? logPath)
    {
        if (!string.IsNullOrEmpty(logPath))
        {
            var stream = new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            _file = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true };
        }
    }

    /// <summary>The listener of the moment, e.g. a cmdlet's WriteVerbose; null when nobody listens.</summary>
    public Action<string>? Listener { get; set; }

    public IAuthenticationSecretDetector? AuthenticationSecretDetector { get; set; }

    /// <summary>Set while connecting: reads the capability list off the conversation.</summary>
    internal CapabilityRecorder? Recorder { get; set; }

    private bool Quiet => Listener == null && _file == null && Recorder == null;

    public void LogConnect(Uri uri)
    {
        if (Quiet) return;
        Emit($"Connected to {uri}");
    }

    public void LogClient(byte[] buffer, int offset, int count)
    {
        if (Quiet) return;
        var copy = new byte[count];
        Buffer.BlockCopy(buffer, offset, copy, 0, count);
        var secrets = AuthenticationSecretDetector?.DetectSecrets(buffer, offset, count);
        if (secrets != null && secrets.Count > 0)
            copy = Mask(copy, offset, secrets);
        Append(_client, "C: ", copy, 0, copy.Length, Recorder == null ? null : (Action<string>)Recorder.Client);
    }

    /// <summary>The mask every secret becomes: always this long, so that it does not tell the password's length.</summary>
    internal const string SecretMask = "********";

    private static byte[] Mask(byte[] copy, int offset, IList<AuthenticationSecret> secrets)
    {
        var output = new System.Collections.Generic.List<byte>(copy.Length);
        for (var i = 0; i < copy.Length; i++)
        {
            var end = -1;
            foreach (var secret in secrets)
            {
                var start = secret.StartIndex - offset;
                if (i >= start && i < start + secret.Length) { end = start + secret.Length; break; }
            }
            if (end < 0) { output.Add(copy[i]); continue; }
            output.AddRange(System.Text.Encoding.ASCII.GetBytes(SecretMask));
            i = end - 1; // skip the rest of this secret
        }
        return output.ToArray();
    }

    public void LogServer(byte[] buffer, int offset, int count)
    {
        if (Quiet) return;
        Append(_server, "S: ", buffer, offset, count, Recorder == null ? null : (Action<string>)Recorder.Server);
    }

    private void Append(StringBuilder pending, string prefix, byte[] buffer, int offset, int count, Action<string>? record)
    {
        var lines = new List<string>();
        lock (_gate)
        {
            // Latin-1 keeps every byte a character, so a split UTF-8 sequence cannot throw.
            pending.Append(Encoding.GetEncoding("ISO-8859-1").GetString(buffer, offset, count));
            int newline;
            while ((newline = IndexOf(pending, '\n')) >= 0)
            {
                var line = pending.ToString(0, newline).TrimEnd('\r');
                pending.Remove(0, newline + 1);
                record?.Invoke(line);
                lines.Add(prefix + (line.Length > MaxLineLength ? line.Substring(0, MaxLineLength) + " [...]" : line));
            }
        }
        if (Listener == null && _file == null) return;
        foreach (var line in lines) Emit(line);
    }

    private static int IndexOf(StringBuilder text, char value)
    {
        for (var i = 0; i < text.Length; i++)
            if (text[i] == value) return i;
        return -1;
    }

    private void Emit(string line)
    {
        Listener?.Invoke(line);
        var file = _file;
        if (file != null)
        {
            lock (file) file.WriteLine($"{DateTimeOffset.Now:yyyy-MM-dd HH:mm:ss.fff} {line}");
        }
    }

    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
    }
}
