"""pydantic's validation errors in Chinese, for the common kinds (the English stays beside it).

A person filling a form reads `reason_zh` ("至多 200 个字符"), a program reads `reason` and `type`."""

from typing import Any

#: error type → Chinese reason; `{…}` are the error's context values
_ZH: dict[str, str] = {
    "missing": "必填",
    "extra_forbidden": "不允许的字段",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "至多 {max_length} 个字符",
    "too_short": "至少 {min_length} 项",
    "too_long": "至多 {max_length} 项",
    "string_type": "须为文本",
    "string_pattern_mismatch": "格式不正确（须符合 {pattern}）",
    "int_type": "须为整数",
    "int_parsing": "须为整数",
    "int_from_float": "须为整数",
    "float_type": "须为数字",
    "float_parsing": "须为数字",
    "decimal_parsing": "须为数字",
    "bool_type": "须为 true 或 false",
    "bool_parsing": "须为 true 或 false",
    "date_type": "须为日期（YYYY-MM-DD）",
    "date_parsing": "须为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "须为日期（YYYY-MM-DD）",
    "date_from_datetime_inexact": "须为日期（不含时间）",
    "datetime_type": "须为时间（ISO 8601，含时区）",
    "datetime_parsing": "须为时间（ISO 8601，含时区）",
    "datetime_from_date_parsing": "须为时间（ISO 8601，含时区）",
    "timezone_aware": "须带时区",
    "enum": "须为以下之一：{expected}",
    "literal_error": "须为以下之一：{expected}",
    "greater_than": "须大于 {gt}",
    "greater_than_equal": "须大于或等于 {ge}",
    "less_than": "须小于 {lt}",
    "less_than_equal": "须小于或等于 {le}",
    "multiple_of": "须为 {multiple_of} 的倍数",
    "list_type": "须为列表",
    "dict_type": "须为对象",
    "model_type": "须为对象",
    "model_attributes_type": "须为对象",
    "json_invalid": "不是合法的 JSON",
    "json_type": "不是合法的 JSON",
    "url_parsing": "须为网址",
    "url_scheme": "网址协议不允许",
    "uuid_parsing": "须为 UUID",
    "value_error": "取值不合法",
    "assertion_error": "取值不合法",
}


def reason_zh(error: dict[str, Any]) -> str:
    """The Chinese reason of one pydantic error (its own text when a validator wrote Chinese)."""
    msg = str(error.get("msg", ""))
    if error.get("type") == "value_error" and " / " in msg:
        return msg.rsplit(" / ", 1)[1]  # the project's validators write "English / 中文"
    template = _ZH.get(str(error.get("type", "")))
    if template is None:
        return "取值不合法"
    ctx = {k: (v if not isinstance(v, str) else v.replace("'", "")) for k, v in (error.get("ctx") or {}).items()}
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template.split("（")[0].split("：")[0]
