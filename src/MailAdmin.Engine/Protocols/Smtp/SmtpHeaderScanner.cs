using System;
using System.Text;

namespace MailAdmin.Protocols.Smtp;

/// <summary>
/// Reads the header section of a message as it streams past, without holding it: counts the
/// Received fields (RFC 5321 §6.3 loop detection) and keeps the first Message-ID and Subject
/// (bounded) for the message trace and the queue. Fed in chunks of any size, split anywhere; it
/// stops looking at the first empty line.
/// </summary>
public sealed class SmtpHeaderScanner
{
    /// <summary>Bytes kept of a Message-ID or Subject value (a header line is at most 998).</summary>
    private const int MaxValue = 998;
    private static readonly byte[] ReceivedName = Encoding.ASCII.GetBytes("received");
    private static readonly byte[] MessageIdName = Encoding.ASCII.GetBytes("message-id");
    private static readonly byte[] SubjectName = Encoding.ASCII.GetBytes("subject");
    private static readonly byte[] ReturnPathName = Encoding.ASCII.GetBytes("return-path");

    private enum State { LineStart, Name, AfterName, Value, Done }
    private enum Field { Other, Received, MessageId, Subject, ReturnPath }

    private State _state = State.LineStart;
    private Field _field;
    private readonly byte[] _name = new byte[16];
    private int _nameLength;
    private int _fields;
    private long _offset;
    private byte[]? _messageId, _subject;
    private int _messageIdLength, _subjectLength;
    private bool _messageIdDone, _subjectDone;

    /// <summary>Received fields seen so far.</summary>
    public int ReceivedCount { get; private set; }

    /// <summary>The empty line that ends the header section was seen.</summary>
    public bool HeaderComplete => _state == State.Done;

    /// <summary>The length of a Return-Path field that is the very first field (what our session writes first), 0 otherwise.</summary>
    public long LeadingReturnPathLength { get; private set; }

    /// <summary>The Message-ID without angle brackets, null when none.</summary>
    public string? MessageId
    {
        get
        {
            if (_messageId == null) return null;
            var text = Unfold(_messageId, _messageIdLength).Trim();
            int open = text.IndexOf('<'), close = open < 0 ? -1 : text.IndexOf('>', open + 1);
            if (open >= 0 && close > open) text = text.Substring(open + 1, close - open - 1);
            return text.Length == 0 ? null : text;
        }
    }

    /// <summary>The Subject, encoded words decoded, null when none.</summary>
    public string? Subject
    {
        get
        {
            if (_subject == null) return null;
            // Raw bytes to the decoder: it handles encoded words and 8-bit text (RFC 6532) alike.
            var raw = new byte[_subjectLength];
            int n = 0;
            for (int i = 0; i < _subjectLength; i++)
                if (_subject[i] != (byte)'\r' && _subject[i] != (byte)'\n') raw[n++] = _subject[i];
            Array.Resize(ref raw, n);
            return MimeKit.Utils.Rfc2047.DecodeText(raw).Trim();
        }
    }

    public void Feed(ReadOnlySpan<byte> data)
    {
        int i = 0;
        while (i < data.Length && _state != State.Done)
        {
            byte b = data[i];
            switch (_state)
            {
                case State.LineStart:
                    if (b == (byte)' ' || b == (byte)'\t')
                    {
                        // A folded line continues the field before it.
                        _state = State.Value;
                        break;
                    }
                    EndField(_offset + i);
                    if (b == (byte)'\r' || b == (byte)'\n')
                    {
                        _state = State.Done;
                        continue;
                    }
                    _nameLength = 0;
                    _field = Field.Other;
                    _state = State.Name;
                    continue;   // b is the first character of the name
                case State.Name:
                    if (b == (byte)':') { StartValue(); i++; continue; }
                    if (b == (byte)' ' || b == (byte)'\t') { _state = State.AfterName; i++; continue; }
                    if (b == (byte)'\n') { _state = State.LineStart; i++; continue; }   // not a field: ignore the line
                    if (_nameLength < _name.Length) _name[_nameLength] = (byte)(b | 0x20);
                    _nameLength++;
                    i++;
                    continue;
                case State.AfterName:
                    // RFC 5322 §4.5 (obsolete syntax): white space may stand between the name and the colon.
                    if (b == (byte)':') StartValue();
                    else if (b == (byte)'\n') _state = State.LineStart;
                    else if (b != (byte)' ' && b != (byte)'\t') { _nameLength = int.MaxValue; _state = State.Value; }
                    i++;
                    continue;
            }
            // State.Value: up to the end of the line (keeping it when the field is one we want).
            var rest = data.Slice(i);
            int lf = rest.IndexOf((byte)'\n');
            var line = lf < 0 ? rest : rest.Slice(0, lf + 1);
            Keep(line);
            i += line.Length;
            if (lf >= 0) _state = State.LineStart;
        }
        _offset += data.Length;
    }

    private void StartValue()
    {
        _state = State.Value;
        _fields++;
        _field = NameIs(ReceivedName) ? Field.Received
            : NameIs(MessageIdName) ? Field.MessageId
            : NameIs(SubjectName) ? Field.Subject
            : NameIs(ReturnPathName) ? Field.ReturnPath
            : Field.Other;
        if (_field == Field.Received) ReceivedCount++;
        if (_field == Field.MessageId && _messageId == null) _messageId = new byte[MaxValue];
        if (_field == Field.Subject && _subject == null) _subject = new byte[MaxValue];
    }

    private bool NameIs(byte[] name)
        => _nameLength == name.Length && new ReadOnlySpan<byte>(_name, 0, _nameLength).SequenceEqual(name);

    private void Keep(ReadOnlySpan<byte> line)
    {
        if (_field == Field.MessageId && !_messageIdDone) Append(_messageId!, ref _messageIdLength, line);
        else if (_field == Field.Subject && !_subjectDone) Append(_subject!, ref _subjectLength, line);
    }

    private static void Append(byte[] target, ref int length, ReadOnlySpan<byte> line)
    {
        int n = Math.Min(line.Length, target.Length - length);
        line.Slice(0, n).CopyTo(new Span<byte>(target, length, n));
        length += n;
    }

    /// <summary>The field that started before <paramref name="end"/> is complete.</summary>
    private void EndField(long end)
    {
        if (_fields == 1 && _field == Field.ReturnPath && LeadingReturnPathLength == 0) LeadingReturnPathLength = end;
        if (_field == Field.MessageId) _messageIdDone = true;
        if (_field == Field.Subject) _subjectDone = true;
        _field = Field.Other;
    }

    private static string Unfold(byte[] value, int length)
        => Encoding.UTF8.GetString(value, 0, length).Replace("\r", "").Replace("\n", "");
}
