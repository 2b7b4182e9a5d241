-- The donor's language (issue 14, item 5): the language a gift was made in (the donation page's
-- language, or the API's `language`), in which every email about it is written; and the language
-- of a "manage my gift" request, in which its email is written. A tag such as 'en' or 'es'
-- (locales/<tag>.ftl); a tag whose file is gone reads as English. Gifts made before this were
-- made in English.
ALTER TABLE donations ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE manage_link_requests ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
