//! Corriger: a field of a proposal (or of a hand entry) edited or picked,
//! the article of the organisation's name, the hand entry saved or
//! abandoned, its attachment text beside it.

use super::*;

/// Starts editing a field of the current proposal (or of the draft).
pub(super) fn edit_field(app: &mut App) -> Vec<Effect> {
    let (kind, current) = match &app.draft {
        Some(d) => (Some(d.kind), Some(&d.fields)),
        None => match app.current() {
            Some(r) => (r.kind, None),
            None => {
                app.notify(Level::Warn, s::N_NO_SELECTION);
                return vec![];
            }
        },
    };
    let seen = if app.draft.is_some() {
        None
    } else {
        seen_current(app)
    };
    let fields = fields_of(kind);
    let Some(f) = fields.get(app.correct_cursor.min(fields.len().saturating_sub(1))) else {
        return vec![];
    };
    let value = match current {
        Some(map) => map.get(f.key).cloned(),
        None => app
            .current_detail()
            .and_then(|d| d.proposal.fields.get(f.key).cloned()),
    };
    match f.ty {
        FieldType::Choice(opts) => {
            let mut options: Vec<(String, Option<Value>)> = opts
                .iter()
                .map(|o| {
                    let v = if f.boolean {
                        Value::Bool(o.value == "true")
                    } else {
                        Value::Text(o.value.to_string())
                    };
                    (o.label.to_string(), Some(v))
                })
                .collect();
            options.push((s::COR_CLEAR.to_string(), None));
            let cursor = options.iter().position(|(_, v)| *v == value).unwrap_or(0);
            app.overlay = Overlay::Picker(Picker {
                seen,
                key: f.key,
                label: f.label,
                options,
                cursor,
            });
        }
        _ => {
            let text = value.map(|v| v.display()).unwrap_or_default();
            app.input = Some((
                InputPurpose::Field { key: f.key, seen },
                TextInput::new(&text),
            ));
        }
    }
    vec![]
}

/// The picker's key for the article of the organisation's name (not a
/// field of the fiche).
pub(super) const ARTICLE_KEY: &str = "\u{0}article";

/// Corriger, `a`: the articles the letters may give the organisation's
/// name, each with the phrase it makes ("de la Ville de Grenoble").
pub(super) fn article_picker(app: &mut App) -> Vec<Effect> {
    use crate::domain::french::Article;
    use crate::letters::french::org_name;
    if app.draft.is_some() {
        return vec![];
    }
    let Some(p) = app.current_detail().map(|d| d.proposal.clone()) else {
        app.notify(Level::Warn, s::N_NO_SELECTION);
        return vec![];
    };
    let Some(name) = p.text(crate::call::roles().organisation.as_str()) else {
        app.notify(Level::Warn, s::COR_ARTICLE_NO_NAME);
        return vec![];
    };
    let phrase = |a: Option<Article>| {
        crate::safe::terminal_line(
            &org_name(
                name,
                p.text(crate::call::roles().organisation_type.as_str()),
                p.text(crate::call::roles().country.as_str()),
                a,
            )
            .de(),
        )
    };
    let mut options = vec![(format!("{} : {}", s::COR_ARTICLE_AUTO, phrase(None)), None)];
    for a in Article::ALL {
        options.push((
            format!("{a} : {}", phrase(Some(a))),
            Some(Value::Text(a.as_str().to_string())),
        ));
    }
    let current = p.article.map(|a| Value::Text(a.as_str().to_string()));
    let cursor = options.iter().position(|(_, v)| *v == current).unwrap_or(0);
    app.overlay = Overlay::Picker(Picker {
        seen: seen_current(app),
        key: ARTICLE_KEY,
        label: s::COR_ARTICLE_LABEL,
        options,
        cursor,
    });
    vec![]
}

/// A field's new value chosen or typed: into the draft, or to the store
/// for the proposal as it was seen when the field was opened (a change by
/// someone else meanwhile is then refused as a conflict).
pub(super) fn set_field(
    app: &mut App,
    key: &'static str,
    value: Option<Value>,
    seen: Option<Seen>,
) -> Vec<Effect> {
    if key == OPINION_KEY {
        let Some(seen) = seen else {
            return vec![];
        };
        let opinion = value
            .as_ref()
            .and_then(Value::as_text)
            .and_then(crate::store::notes::Opinion::parse);
        return vec![Effect::SetOpinion {
            number: seen.number,
            opinion,
        }];
    }
    if key == ARTICLE_KEY {
        // Not a field of the fiche: kept by proposal number, whatever its
        // version (every revision of the fiche keeps it).
        let Some(seen) = seen else {
            return vec![];
        };
        let article = value
            .as_ref()
            .and_then(Value::as_text)
            .and_then(crate::domain::french::Article::parse);
        return vec![Effect::SetArticle {
            number: seen.number,
            article,
        }];
    }
    let Some(seen) = seen else {
        if let Some(d) = &mut app.draft {
            match value {
                Some(v) => d.fields.insert(key.to_string(), v),
                None => d.fields.remove(key),
            };
            d.confirm_missing = false;
        }
        return vec![];
    };
    let old = app
        .detail
        .as_ref()
        .filter(|d| d.id == seen.id && d.proposal.version == seen.version)
        .map(|d| d.proposal.fields.get(key).cloned());
    if old == Some(value.clone()) {
        return vec![];
    }
    vec![Effect::UpdateField {
        id: seen.id,
        version: seen.version,
        key,
        value,
    }]
}

pub(in crate::console) fn save_draft(app: &mut App) -> Vec<Effect> {
    let Some(d) = &mut app.draft else {
        return vec![];
    };
    let missing: Vec<&str> = spec::fields(d.kind)
        .iter()
        .filter(|f| f.required && !d.fields.contains_key(f.key))
        .map(|f| f.label)
        .collect();
    if !missing.is_empty() && !d.confirm_missing {
        d.confirm_missing = true;
        let text = s::n_missing_required(&missing.join(", "));
        app.notify(Level::Warn, text);
        return vec![];
    }
    vec![Effect::EnterProposal {
        message_id: d.message_id,
        kind: d.kind,
        fields: d.fields.clone(),
    }]
}

/// Corriger `t`, during a hand entry: on a narrow terminal, the
/// attachment's text in place of the form and back; on a wide one, the
/// text is already beside the form.
pub(super) fn toggle_text(app: &mut App) -> Vec<Effect> {
    if app.draft.is_none() {
        app.notify(Level::Info, s::COR_TEXT_NONE);
        return vec![];
    }
    if app.draft_text().is_none() {
        app.notify(Level::Warn, s::COR_TEXT_NONE);
        return vec![];
    }
    if app.side_by_side() {
        app.text_instead = false;
        app.notify(Level::Info, s::COR_TEXT_BESIDE);
        return vec![];
    }
    app.text_instead = !app.text_instead;
    vec![]
}

/// The keys of Corriger.
pub(super) fn corriger_action(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Correct => {
            app.draft = None;
            app.correct_cursor = 0;
            goto(app, Screen::Corriger)
        }
        Action::ToggleText => toggle_text(app),
        Action::Save => save_draft(app),
        Action::Abandon => {
            if app.draft.take().is_some() {
                app.notify(Level::Info, s::N_DRAFT_ABANDONED);
                app.screen = Screen::Triage;
            }
            vec![]
        }
        Action::Article => article_picker(app),
        _ => vec![],
    }
}

/// Corriger: the cursor moved among the fields of the form (the draft's
/// kind, else the selected proposal's).
pub(super) fn move_correct_cursor(app: &mut App, delta: isize) -> Vec<Effect> {
    let kind = match &app.draft {
        Some(d) => Some(d.kind),
        None => app.current().and_then(|r| r.kind),
    };
    let n = fields_of(kind).len();
    app.correct_cursor = (app.correct_cursor as isize + delta).clamp(0, n as isize - 1) as usize;
    vec![]
}
