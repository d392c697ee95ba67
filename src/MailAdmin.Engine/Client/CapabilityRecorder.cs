using System;
using System.Collections.Generic;

namespace MailAdmin.Client;

/// <summary>
/// Keeps the server's own capability list, word for word, from the conversation: MailKit
/// only exposes the capabilities it understands, as flags, but an admin (and
/// Test-MailServer) wants what the server said. Fed the log lines while connecting.
/// </summary>
internal sealed class CapabilityRecorder
{
    private readonly MailClientProtocol _protocol;
    private List<string>? _collecting;
    private bool _skipGreeting;

    public CapabilityRecorder(MailClientProtocol protocol) => _protocol = protocol;

    /// <summary>The latest complete list; empty until the server sent one.</summary>
    public string[] Capabilities { get; private set; } = new string[0];

    public void Client(string line)
    {
        var command = line.Trim();
        if (_protocol == MailClientProtocol.Smtp && (command.StartsWith("EHLO ", StringComparison.OrdinalIgnoreCase)))
        {
            _collecting = new List<string>();
            _skipGreeting = true;
        }
        else if (_protocol == MailClientProtocol.Pop3 && command.Equals("CAPA", StringComparison.OrdinalIgnoreCase))
        {
            _collecting = new List<string>();
            _skipGreeting = true;
        }
    }

    public void Server(string line)
    {
        switch (_protocol)
        {
            case MailClientProtocol.Imap:
                ImapLine(line);
                break;
            case MailClientProtocol.Smtp:
                if (_collecting == null || line.Length < 4 || !line.StartsWith("250", StringComparison.Ordinal)) { _collecting = null; return; }
                if (_skipGreeting) _skipGreeting = false; // "250-host Hello ..." names the server, not a capability
                else _collecting.Add(line.Substring(4).Trim());
                if (line[3] == ' ') Finish();
                break;
            default:
                if (_collecting == null) return;
                if (_skipGreeting) { _skipGreeting = false; if (!line.StartsWith("+OK", StringComparison.Ordinal)) _collecting = null; return; }
                if (line == ".") Finish();
                else _collecting.Add(line.Trim());
                break;
        }
    }

    private void ImapLine(string line)
    {
        const string untagged = "* CAPABILITY ";
        string? atoms = null;
        if (line.StartsWith(untagged, StringComparison.OrdinalIgnoreCase))
            atoms = line.Substring(untagged.Length);
        else
        {
            var code = line.IndexOf("[CAPABILITY ", StringComparison.OrdinalIgnoreCase);
            var end = code < 0 ? -1 : line.IndexOf(']', code);
            if (end > code) atoms = line.Substring(code + 12, end - code - 12);
        }
        if (atoms != null)
            Capabilities = atoms.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
    }

    private void Finish()
    {
        Capabilities = _collecting!.ToArray();
        _collecting = null;
    }
}
