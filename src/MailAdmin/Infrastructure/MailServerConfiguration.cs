using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;

namespace MailAdmin.Commands;

/// <summary>
/// Start-MailServer -ConfigurationPath: a .psd1 whose keys are Start-MailServer's own
/// parameter names. Parameters given on the command line win over the file.
/// </summary>
internal static class MailServerConfiguration
{
    private static readonly HashSet<string> NotFromFile = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "ConfigurationPath", "Wait",
    };

    public static void Apply(StartMailServerCommand command, string path, IDictionary<string, object> boundParameters)
    {
        Hashtable data;
        try
        {
            // Import-PowerShellDataFile evaluates the file in restricted language mode: data only.
            var result = command.InvokeCommand.InvokeScript("param($p) Import-PowerShellDataFile -LiteralPath $p", true, PipelineResultTypes.None, null, path);
            data = (Hashtable)result.Single().BaseObject;
        }
        catch (Exception ex) when (!(ex is PipelineStoppedException))
        {
            throw new ParameterBindingException($"Cannot read the configuration file '{path}': {ex.Message}", ex);
        }

        var properties = typeof(StartMailServerCommand).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttributes(typeof(ParameterAttribute), true).Any())
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

        foreach (DictionaryEntry entry in data)
        {
            var key = entry.Key.ToString()!;
            if (!properties.TryGetValue(key, out var property) || NotFromFile.Contains(key))
                throw new ParameterBindingException($"'{key}' in '{path}' is not a Start-MailServer setting. Settings are the parameter names: {string.Join(", ", properties.Keys.Where(k => !NotFromFile.Contains(k)).OrderBy(k => k))}.");
            if (boundParameters.ContainsKey(property.Name))
                continue;
            if (property.PropertyType == typeof(PSCredential))
                throw new ParameterBindingException($"'{key}' in '{path}': a data file holds no secrets; pass -{property.Name} on the command line (Get-Credential, or a PSCredential from a vault).");
            object? value;
            try
            {
                value = LanguagePrimitives.ConvertTo(entry.Value, property.PropertyType, System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (PSInvalidCastException ex)
            {
                throw new ParameterBindingException($"'{key}' in '{path}': {ex.Message}", ex);
            }
            // The file bypasses parameter binding: its values get the same range check as typed ones.
            foreach (ValidateRangeAttribute range in property.GetCustomAttributes(typeof(ValidateRangeAttribute), true))
            {
                if (value is IComparable comparable
                    && (comparable.CompareTo(LanguagePrimitives.ConvertTo(range.MinRange, property.PropertyType, System.Globalization.CultureInfo.InvariantCulture)) < 0
                        || comparable.CompareTo(LanguagePrimitives.ConvertTo(range.MaxRange, property.PropertyType, System.Globalization.CultureInfo.InvariantCulture)) > 0))
                    throw new ConfigurationValueOutOfRangeException($"'{key}' in '{path}': {value} is out of range; it must be between {range.MinRange} and {range.MaxRange}.");
            }
            foreach (ValidateTimeSpanRangeAttribute range in property.GetCustomAttributes(typeof(ValidateTimeSpanRangeAttribute), true))
            {
                if (range.Check(key, value) is string error)
                    throw new ConfigurationValueOutOfRangeException($"'{key}' in '{path}': {error}");
            }
            property.SetValue(command, value);
            boundParameters[property.Name] = value!;
        }
    }
}

/// <summary>A -ConfigurationPath value outside its parameter's validated range (Start-MailServer: MailServerParameterOutOfRange).</summary>
internal sealed class ConfigurationValueOutOfRangeException : ParameterBindingException
{
    public ConfigurationValueOutOfRangeException(string message) : base(message) { }
}
