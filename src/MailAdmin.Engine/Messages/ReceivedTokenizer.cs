using System;
using System.Collections.Generic;
using System.Text;

namespace MailAdmin.Messages;

public enum ReceivedTokenKind
{
    /// <summary>A run of characters that are not white space nor ( ) " &lt; &gt; ;</summary>
    Atom,
    /// <summary>A parenthesised comment; the text is its content, nested parentheses kept.</summary>
    Comment,
    /// <summary>A quoted string; the text is its content with backslash escapes resolved.</summary>
    QuotedString,
    /// <summary>An &lt;angle address&gt;; the text is what is between the brackets.</summary>
    AngleAddress,
    /// <summary>The ';' that separates the clauses from the date.</summary>
    Semicolon,
}

/// <summary>One token of a Received field body, with its place in the text.</summary>
public sealed class ReceivedToken
{
    public ReceivedToken(ReceivedTokenKind kind, string text, int start, int end)
    {
        Kind = kind;
        Text = text;
        Start = start;
        End = end;
    }

    public ReceivedTokenKind Kind { get; }
    public string Text { get; }
    /// <summary>Offset of the token's first character in the whole input.</summary>
    public int Start { get; }
    /// <summary>Offset just past the token's last character.</summary>
    public int End { get; }

    public override string ToString() => $"{Kind}:{Text}";
}

/// <summary>
/// Splits a Received field body (RFC 5321 §4.4, RFC 5322 §3.2) into atoms, comments,
/// quoted strings, angle addresses and ';'. It is a push tokenizer: feed the text in
/// any number of chunks, then call <see cref="Complete"/>. Line breaks count as white
/// space, so folded text needs no unfolding first. It never throws on bad input:
/// unbalanced brackets and quotes are reported in <see cref="Errors"/>.
/// </summary>
public sealed class ReceivedTokenizer
{
    private enum State { Between, Atom, Comment, Quoted, Angle }

    private readonly List<ReceivedToken> _tokens = new List<ReceivedToken>();
    private readonly List<string> _errors = new List<string>();
    private readonly StringBuilder _current = new StringBuilder();
    private State _state = State.Between;
    private int _position;
    private int _tokenStart;
    private int _depth;
    private bool _escaped;
    private bool _completed;

    public IReadOnlyList<ReceivedToken> Tokens => _tokens;

    /// <summary>Problems found so far: a stray ')' or '>', an unclosed comment, quote or angle address.</summary>
    public IReadOnlyList<string> Errors => _errors;

    /// <summary>Tokenizes a whole field body at once.</summary>
    public static ReceivedTokenizer Tokenize(string text)
    {
        var tokenizer = new ReceivedTokenizer();
        tokenizer.Feed(text);
        tokenizer.Complete();
        return tokenizer;
    }

    public void Feed(string chunk)
    {
        if (chunk == null) throw new ArgumentNullException(nameof(chunk));
        if (_completed) throw new InvalidOperationException("The tokenizer has been completed.");
        foreach (var c in chunk)
        {
            Step(c);
            _position++;
        }
    }

    /// <summary>Ends the input: emits the last token and reports what was left open.</summary>
    public void Complete()
    {
        if (_completed) return;
        _completed = true;
        switch (_state)
        {
            case State.Atom:
                Emit(ReceivedTokenKind.Atom, _position);
                break;
            case State.Comment:
                _errors.Add($"Unbalanced parentheses: the comment at offset {_tokenStart} is not closed.");
                Emit(ReceivedTokenKind.Comment, _position);
                break;
            case State.Quoted:
                _errors.Add($"The quoted string at offset {_tokenStart} is not closed.");
                Emit(ReceivedTokenKind.QuotedString, _position);
                break;
            case State.Angle:
                _errors.Add($"The angle address at offset {_tokenStart} is not closed.");
                Emit(ReceivedTokenKind.AngleAddress, _position);
                break;
        }
        _state = State.Between;
    }

    private void Step(char c)
    {
        switch (_state)
        {
            case State.Between:
                StartToken(c);
                break;

            case State.Atom:
                if (IsWhiteSpace(c) || c == '(' || c == ')' || c == '"' || c == '<' || c == '>' || c == ';')
                {
                    Emit(ReceivedTokenKind.Atom, _position);
                    StartToken(c);
                }
                else
                {
                    _current.Append(c);
                }
                break;

            case State.Comment:
                if (_escaped)
                {
                    _escaped = false;
                    _current.Append(c);
                }
                else if (c == '\\')
                {
                    _escaped = true;
                }
                else if (c == '(')
                {
                    _depth++;
                    _current.Append(c);
                }
                else if (c == ')')
                {
                    if (--_depth == 0)
                        Emit(ReceivedTokenKind.Comment, _position + 1);
                    else
                        _current.Append(c);
                }
                else
                {
                    _current.Append(IsLineBreak(c) ? ' ' : c);
                }
                break;

            case State.Quoted:
                if (_escaped)
                {
                    _escaped = false;
                    _current.Append(c);
                }
                else if (c == '\\')
                {
                    _escaped = true;
                }
                else if (c == '"')
                {
                    Emit(ReceivedTokenKind.QuotedString, _position + 1);
                }
                else if (!IsLineBreak(c))
                {
                    _current.Append(c);
                }
                break;

            case State.Angle:
                if (c == '>')
                    Emit(ReceivedTokenKind.AngleAddress, _position + 1);
                else if (!IsWhiteSpace(c))
                    _current.Append(c);
                break;
        }
    }

    private void StartToken(char c)
    {
        _tokenStart = _position;
        _current.Clear();
        _escaped = false;
        switch (c)
        {
            case '(':
                _state = State.Comment;
                _depth = 1;
                break;
            case '"':
                _state = State.Quoted;
                break;
            case '<':
                _state = State.Angle;
                break;
            case ';':
                _tokens.Add(new ReceivedToken(ReceivedTokenKind.Semicolon, ";", _position, _position + 1));
                _state = State.Between;
                break;
            case ')':
                _errors.Add($"Unbalanced parentheses: a ')' at offset {_position} closes nothing.");
                _state = State.Between;
                break;
            case '>':
                _errors.Add($"A '>' at offset {_position} closes nothing.");
                _state = State.Between;
                break;
            default:
                if (IsWhiteSpace(c))
                {
                    _state = State.Between;
                }
                else
                {
                    _state = State.Atom;
                    _current.Append(c);
                }
                break;
        }
    }

    private void Emit(ReceivedTokenKind kind, int end)
    {
        _tokens.Add(new ReceivedToken(kind, _current.ToString(), _tokenStart, end));
        _current.Clear();
        _state = State.Between;
    }

    private static bool IsLineBreak(char c) => c == '\r' || c == '\n';

    private static bool IsWhiteSpace(char c) => c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
