//! The blank fiche as an Excel workbook (`rust_xlsxwriter`): sheet
//! « Fiche », label | answer, the title block merged over both columns and
//! repeated on each printed page; a drop-down list (data validation on a
//! hidden sheet « Listes », as CUF's own workbooks do) for one-choice
//! fields, a warning, not a refusal, for text typed instead; a note saying
//! how to write several answers for several-choices fields; an input
//! message with each field's hint; A4 portrait, one page wide, the event
//! in the page header and the deadline in the footer.

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DocProperties, Format, FormatAlign,
    FormatBorder, Formula, Note, Workbook, XlsxError, utility::column_number_to_name,
};

use super::{Answer, Form, TemplateError};

/// Excel's header and footer codes: `&` doubled.
fn hf(s: &str) -> String {
    s.replace('&', "&&")
}

/// At most `n` UTF-16 units (Excel's limits on validation titles and messages).
fn clip(s: &str, n: usize) -> String {
    let mut out = String::new();
    let mut len = 0;
    for c in s.chars() {
        len += c.len_utf16();
        if len > n.saturating_sub(1) {
            out.push('…');
            return out;
        }
        out.push(c);
    }
    out
}

fn build(form: &Form) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_title(form.doc_title())
            .set_subject(form.deadline.clone())
            .set_author("fiches"),
    );
    let border = Color::RGB(0x8EA9DB);
    let title = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_font_color(Color::White)
        .set_background_color(Color::RGB(0x1F3864))
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_border_color(border);
    let label = Format::new()
        .set_bold()
        .set_font_color(Color::RGB(0x1F3864))
        .set_background_color(Color::RGB(0xEDF2F9))
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_border_color(border);
    let answer = Format::new()
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap()
        .set_unlocked()
        .set_border(FormatBorder::Thin)
        .set_border_color(border);
    // Phone numbers stay as typed (leading 0 and + kept).
    let phone = answer.clone().set_num_format("@");

    // The option lists, one column per choice field, on a hidden sheet.
    let mut lists: Vec<Vec<String>> = Vec::new();
    for f in &form.fields {
        if let Answer::One(opts) = &f.answer {
            lists.push(opts.clone());
        }
    }

    let sheet = wb.add_worksheet();
    sheet.set_name("Fiche")?;
    sheet.set_column_width(0, 42)?;
    sheet.set_column_width(1, 50)?;
    // The title bold and large, the event's lines under it in plain text.
    sheet.merge_range(0, 0, 0, 1, "", &title)?;
    let big = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_font_color(Color::White);
    let small = Format::new().set_font_size(10).set_font_color(Color::White);
    let mut parts: Vec<(&Format, String)> = vec![(&big, form.title.clone())];
    for line in &form.subtitle {
        parts.push((&small, format!("\n{line}")));
    }
    let parts: Vec<(&Format, &str)> = parts.iter().map(|(f, t)| (*f, t.as_str())).collect();
    sheet.write_rich_string_with_format(0, 0, &parts, &title)?;
    sheet.set_row_height(0, 26 + 14 * form.subtitle.len() as u32)?;
    let mut list = 0;
    for (i, f) in form.fields.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string_with_format(row, 0, f.printed_label(), &label)?;
        let (format, height) = match &f.answer {
            Answer::Lines => (&answer, 84),
            Answer::Phone => (&phone, 24),
            _ => (&answer, 24),
        };
        sheet.write_blank(row, 1, format)?;
        sheet.set_row_height(row, height)?;
        let hint = f.hint().unwrap_or_default();
        match &f.answer {
            Answer::One(opts) => {
                let col = column_number_to_name(list as u16);
                let range = format!("=Listes!${col}$1:${col}${}", opts.len());
                list += 1;
                let dv = DataValidation::new()
                    .allow_list_formula(Formula::new(range))
                    .set_input_title(clip(&f.label, 32))?
                    .set_input_message(clip(
                        "Choisissez dans la liste (flèche à droite de la case).",
                        255,
                    ))?
                    .set_error_style(DataValidationErrorStyle::Warning)
                    .set_error_title("Réponse hors de la liste")?
                    .set_error_message(
                        "Cette réponse n'est pas dans la liste : gardez-la si aucune option ne convient.",
                    )?;
                sheet.add_data_validation(row, 1, row, 1, &dv)?;
            }
            Answer::Several(opts) => {
                let text = format!(
                    "{hint}\nOptions : {}",
                    opts.iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .join(" ; ")
                );
                sheet.insert_note(
                    row,
                    1,
                    &Note::new(text)
                        .set_author("fiches")
                        .set_width(320)
                        .set_height(140),
                )?;
            }
            _ if !hint.is_empty() => {
                let dv = DataValidation::new()
                    .allow_any_value()
                    .set_input_title(clip(&f.label, 32))?
                    .set_input_message(clip(hint, 255))?;
                sheet.add_data_validation(row, 1, row, 1, &dv)?;
            }
            _ => {}
        }
    }
    let last = form.fields.len() as u32;
    sheet.set_paper_size(9);
    sheet.set_portrait();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_center_horizontally(true);
    sheet.set_margins(0.6, 0.6, 0.9, 0.8, 0.3, 0.3);
    sheet.set_repeat_rows(0, 0)?;
    sheet.set_print_area(0, 0, last, 1)?;
    sheet.set_header(format!("&C&9{}", hf(&form.header_lines().join("\n"))));
    sheet.set_footer(format!("&C&9{} – page &P / &N", hf(&form.deadline)));
    sheet.set_selected(true);
    sheet.set_active(true);

    let lists_sheet = wb.add_worksheet();
    lists_sheet.set_name("Listes")?;
    for (c, opts) in lists.iter().enumerate() {
        for (r, o) in opts.iter().enumerate() {
            lists_sheet.write_string(r as u32, c as u16, o)?;
        }
    }
    lists_sheet.set_hidden(true);
    wb.save_to_buffer()
}

pub(super) fn write(form: &Form) -> Result<Vec<u8>, TemplateError> {
    build(form).map_err(|e| TemplateError::Write {
        format: "XLSX",
        message: e.to_string(),
    })
}
