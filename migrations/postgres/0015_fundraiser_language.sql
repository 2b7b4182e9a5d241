-- The supporter's language (issue 14, items 1 and 5): the language a supporter's page was
-- started in (the sign-up page's language, or the API's `language`), in which the emails about
-- the page are written (its welcome, the news that it is public); and the language of a request
-- for fresh links to one's pages, in which that email is written. A tag such as 'en' or 'es'
-- (locales/<tag>.ftl), as migration 0013 keeps for gifts; a tag whose file is gone reads as
-- English. Pages started before this were started in English.
ALTER TABLE fundraisers ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE fundraiser_link_requests ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
