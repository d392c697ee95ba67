using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace MailAdmin.Commands;

/// <summary>Lets -Server take a running server's name as well as the server object.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MailServerTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject ps ? ps.BaseObject : inputData;
        if (value is string name)
            return MailServerRegistry.Find(name) ?? throw new ArgumentTransformationMetadataException($"No running mail server is named '{name}'. Get-MailServer lists them.");
        return value;
    }
}

/// <summary>Tab completion of running servers' names.</summary>
public sealed class MailServerNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = WildcardPattern.Get((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return MailServerRegistry.All
            .Where(s => pattern.IsMatch(s.Name))
            .Select(s => new CompletionResult(s.Name.IndexOf(' ') >= 0 ? "'" + s.Name + "'" : s.Name, s.Name, CompletionResultType.ParameterValue, $"{s.Name} ({s.Status}) {string.Join(", ", s.Endpoints)}"));
    }
}
