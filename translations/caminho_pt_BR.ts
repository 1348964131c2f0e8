<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="pt_BR" sourcelanguage="en">
<context>
    <name>AutoSaver</name>
    <message>
        <source>Auto-save for crash recovery failed: {0}.</source>
        <translation>O salvamento automático para recuperação falhou: {0}.</translation>
    </message>
    <message>
        <source>Could not recover</source>
        <translation>Não foi possível recuperar</translation>
    </message>
    <message>
        <source>The recovery file is gone ({0}).</source>
        <translation>O arquivo de recuperação sumiu ({0}).</translation>
    </message>
    <message>
        <source>{0} characters</source>
        <translation>{0} caracteres</translation>
    </message>
    <message>
        <source>{0} KB of text</source>
        <translation>{0} KB de texto</translation>
    </message>
    <message>
        <source>Recover unsaved text?</source>
        <translation>Recuperar o texto não salvo?</translation>
    </message>
    <message>
        <source>Caminho closed unexpectedly while {0} had unsaved changes (last auto-saved {1}, {2}).</source>
        <translation>O Caminho fechou inesperadamente enquanto {0} tinha alterações não salvas (último salvamento automático {1}, {2}).</translation>
    </message>
    <message>
        <source>Save As…</source>
        <translation>Salvar como…</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>Descartar</translation>
    </message>
    <message>
        <source>Not Now</source>
        <translation>Agora não</translation>
    </message>
    <message>
        <source>That text ({0} MB) is more than Caminho opens in a window ({1} MB). Save As writes it to a file of your choice, in UTF-8; Discard deletes it; Not Now asks again next time.</source>
        <translation>Esse texto ({0} MB) é maior do que o Caminho abre numa janela ({1} MB). Salvar como grava-o num arquivo à sua escolha, em UTF-8; Descartar o apaga; Agora não pergunta de novo na próxima vez.</translation>
    </message>
    <message>
        <source>Saving the recovered text…</source>
        <translation>Salvando o texto recuperado…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancelar</translation>
    </message>
    <message>
        <source>Cancelled; the recovered text is kept for next time.</source>
        <translation>Cancelado; o texto recuperado fica guardado para a próxima vez.</translation>
    </message>
    <message>
        <source>Could not save</source>
        <translation>Não foi possível salvar</translation>
    </message>
    <message>
        <source>Could not save the recovered text to {0}: {1}.</source>
        <translation>Não foi possível salvar o texto recuperado em {0}: {1}.</translation>
    </message>
    <message>
        <source>Saved the recovered text to {0}</source>
        <translation>Texto recuperado salvo em {0}</translation>
    </message>
    <message>
        <source>{0}: {1}{2}</source>
        <translation>{0}: {1}{2}</translation>
    </message>
    <message>
        <source>an untitled document</source>
        <translation>um documento sem título</translation>
    </message>
    <message>
        <source>Recover shows that text, unsaved; Discard deletes it; Not Now asks again next time.</source>
        <translation>Recuperar mostra esse texto, sem salvar; Descartar o apaga; Agora não pergunta de novo na próxima vez.</translation>
    </message>
    <message>
        <source>Its file: {0}.</source>
        <translation>Arquivo dele: {0}.</translation>
    </message>
    <message>
        <source>The file on disk has changed since; saving recovered text replaces it.</source>
        <translation>O arquivo no disco mudou desde então; salvar o texto recuperado o substitui.</translation>
    </message>
    <message>
        <source>Recover</source>
        <translation>Recuperar</translation>
    </message>
    <message>
        <source>Crash recovery: {0}.</source>
        <translation>Recuperação após falha: {0}.</translation>
    </message>
    <message>
        <source>Damaged recovery files</source>
        <translation>Arquivos de recuperação danificados</translation>
    </message>
    <message>
        <source>Some recovery files could not be read and were set aside:
</source>
        <translation>Alguns arquivos de recuperação não puderam ser lidos e foram postos de lado:
</translation>
    </message>
</context>
<context>
    <name>CompareView</name>
    <message>
        <source>Could not compare with {0}</source>
        <translation>Não foi possível comparar com {0}</translation>
    </message>
    <message>
        <source>Nothing changed: the model that suggests stays, and so does the comparison you had.</source>
        <translation>Nada mudou: o modelo que sugere continua o mesmo, e a comparação que você tinha também.</translation>
    </message>
    <message>
        <source>{0} could not be loaded because of an unexpected error.</source>
        <translation>Não foi possível carregar {0} por causa de um erro inesperado.</translation>
    </message>
    <message>
        <source>Comparing with {0} ({1}) in the Insight panel.</source>
        <translation>Comparando com {0} ({1}) no painel de análise.</translation>
    </message>
    <message>
        <source>Compare With</source>
        <translation>Comparar com</translation>
    </message>
    <message>
        <source>ONNX models (*.onnx);;All files (*)</source>
        <translation>Modelos ONNX (*.onnx);;Todos os arquivos (*)</translation>
    </message>
    <message>
        <source>Compare &amp;With</source>
        <translation>Com&amp;parar com</translation>
    </message>
    <message>
        <source>Poem as a Plain &amp;RNN</source>
        <translation>Poema como &amp;RNN simples</translation>
    </message>
    <message>
        <source>Poem as a &amp;GRU</source>
        <translation>Poema como &amp;GRU</translation>
    </message>
    <message>
        <source>Poem as an &amp;LSTM</source>
        <translation>Poema como &amp;LSTM</translation>
    </message>
    <message>
        <source>Model &amp;File…</source>
        <translation>&amp;Arquivo de modelo…</translation>
    </message>
    <message>
        <source>&amp;Stop Comparing</source>
        <translation>&amp;Parar de comparar</translation>
    </message>
</context>
<context>
    <name>DocumentLifecycle</name>
    <message>
        <source>Unsaved changes</source>
        <translation>Alterações não salvas</translation>
    </message>
    <message>
        <source>Save the changes to “{0}” before {1}?</source>
        <translation>Salvar as alterações em “{0}” antes de {1}?</translation>
    </message>
    <message>
        <source>Don&apos;t Save</source>
        <translation>Não salvar</translation>
    </message>
    <message>
        <source>Your changes will be lost if you don&apos;t save them.</source>
        <translation>Suas alterações serão perdidas se você não salvá-las.</translation>
    </message>
    <message>
        <source>starting a new file</source>
        <translation>começar um arquivo novo</translation>
    </message>
    <message>
        <source>opening another file</source>
        <translation>abrir outro arquivo</translation>
    </message>
    <message>
        <source>New file: {0}</source>
        <translation>Arquivo novo: {0}</translation>
    </message>
    <message>
        <source>Could not open {0}</source>
        <translation>Não foi possível abrir {0}</translation>
    </message>
    <message>
        <source>Opened a copy of {0} with its long lines broken; the file is unchanged.</source>
        <translation>Aberta uma cópia de {0} com as linhas longas quebradas; o arquivo não foi alterado.</translation>
    </message>
    <message>
        <source>Opened {0}</source>
        <translation>Aberto: {0}</translation>
    </message>
    <message>
        <source>line {0}</source>
        <translation>linha {0}</translation>
    </message>
    <message>
        <source>{0} lines, the first line {1}</source>
        <translation>{0} linhas, a primeira é a linha {1}</translation>
    </message>
    <message>
        <source>Open a Copy with Lines Broken</source>
        <translation>Abrir uma cópia com as linhas quebradas</translation>
    </message>
    <message>
        <source>Open As Is</source>
        <translation>Abrir como está</translation>
    </message>
    <message>
        <source>Very long line</source>
        <translation>Linha muito longa</translation>
    </message>
    <message>
        <source>“{0}” has a line of {1:,} characters ({2}).</source>
        <translation>“{0}” tem uma linha de {1:,} caracteres ({2}).</translation>
    </message>
    <message>
        <source>Caminho lays out a line as a whole: a line this long would freeze the window for about a second per million characters, and every key typed on it would be slow. The copy breaks long lines into lines of at most {0:,} characters, at spaces where it can; it is a new document, and the file stays as it is.</source>
        <translation>O Caminho diagrama cada linha inteira de uma vez: uma linha tão longa travaria a janela por cerca de um segundo a cada milhão de caracteres, e cada tecla digitada nela seria lenta. A cópia quebra as linhas longas em linhas de no máximo {0:,} caracteres, nos espaços sempre que possível; ela é um documento novo, e o arquivo continua como está.</translation>
    </message>
    <message>
        <source>Opened as {0} (not UTF-8); it will be saved as {0}.</source>
        <translation>Aberto como {0} (não é UTF-8); será salvo como {0}.</translation>
    </message>
    <message>
        <source>The file mixes line endings; saving will use {0} throughout.</source>
        <translation>O arquivo mistura tipos de fim de linha; ao salvar, será usado {0} em todo ele.</translation>
    </message>
    <message>
        <source>Could not reload {0}</source>
        <translation>Não foi possível recarregar {0}</translation>
    </message>
    <message>
        <source>it now has a very long line; open it again to get a copy with lines broken</source>
        <translation>agora ele tem uma linha muito longa; abra-o de novo para obter uma cópia com as linhas quebradas</translation>
    </message>
    <message>
        <source>File changed on disk</source>
        <translation>Arquivo alterado no disco</translation>
    </message>
    <message>
        <source>“{0}” was changed by another program since you opened it.</source>
        <translation>“{0}” foi alterado por outro programa desde que você o abriu.</translation>
    </message>
    <message>
        <source>Overwrite</source>
        <translation>Sobrescrever</translation>
    </message>
    <message>
        <source>Saving now replaces those changes with your text.</source>
        <translation>Salvar agora substitui essas alterações pelo seu texto.</translation>
    </message>
    <message>
        <source>Can&apos;t save as {0}</source>
        <translation>Não é possível salvar como {0}</translation>
    </message>
    <message>
        <source>Your text can&apos;t be stored in {0}: {1}.</source>
        <translation>Seu texto não pode ser gravado em {0}: {1}.</translation>
    </message>
    <message>
        <source>Save as UTF-8</source>
        <translation>Salvar como UTF-8</translation>
    </message>
    <message>
        <source>Saved {0}</source>
        <translation>Salvo: {0}</translation>
    </message>
    <message>
        <source>Could not save “{0}”: {1}.</source>
        <translation>Não foi possível salvar “{0}”: {1}.</translation>
    </message>
    <message>
        <source>Could not save</source>
        <translation>Não foi possível salvar</translation>
    </message>
    <message>
        <source>Save As…</source>
        <translation>Salvar como…</translation>
    </message>
    <message>
        <source>Your text is still here, unsaved. Save it somewhere else?</source>
        <translation>Seu texto continua aqui, sem salvar. Salvá-lo em outro lugar?</translation>
    </message>
    <message>
        <source>“{0}” was deleted on disk; saving will create it again.</source>
        <translation>“{0}” foi apagado do disco; salvar vai criá-lo de novo.</translation>
    </message>
    <message>
        <source>Reloaded “{0}”: it was changed by another program.</source>
        <translation>Recarregado “{0}”: ele foi alterado por outro programa.</translation>
    </message>
    <message>
        <source>“{0}” was changed by another program.</source>
        <translation>“{0}” foi alterado por outro programa.</translation>
    </message>
    <message>
        <source>Reload</source>
        <translation>Recarregar</translation>
    </message>
    <message>
        <source>Keep My Version</source>
        <translation>Manter minha versão</translation>
    </message>
    <message>
        <source>Reload loses your unsaved changes (Undo brings them back). Keep My Version overwrites the other program&apos;s changes when you save.</source>
        <translation>Recarregar descarta suas alterações não salvas (Desfazer as traz de volta). Manter minha versão sobrescreve as alterações do outro programa quando você salvar.</translation>
    </message>
    <message>
        <source>&amp;Clear Menu</source>
        <translation>&amp;Limpar menu</translation>
    </message>
    <message>
        <source>Recovered unsaved text of {0}; save it to keep it.</source>
        <translation>Texto não salvo de {0} recuperado; salve-o para mantê-lo.</translation>
    </message>
</context>
<context>
    <name>FindBar</name>
    <message>
        <source>Find</source>
        <translation>Localizar</translation>
    </message>
    <message>
        <source>Find previous (Shift+Enter)</source>
        <translation>Localizar anterior (Shift+Enter)</translation>
    </message>
    <message>
        <source>Find previous</source>
        <translation>Localizar anterior</translation>
    </message>
    <message>
        <source>Find next (Enter)</source>
        <translation>Localizar próxima (Enter)</translation>
    </message>
    <message>
        <source>Find next</source>
        <translation>Localizar próxima</translation>
    </message>
    <message>
        <source>Match case</source>
        <translation>Diferenciar maiúsculas</translation>
    </message>
    <message>
        <source>Close (Esc)</source>
        <translation>Fechar (Esc)</translation>
    </message>
    <message>
        <source>Find:</source>
        <translation>Localizar:</translation>
    </message>
    <message>
        <source>Not found</source>
        <translation>Não encontrado</translation>
    </message>
</context>
<context>
    <name>GatesView</name>
    <message>
        <source>no gates yet</source>
        <translation>ainda sem portas</translation>
    </message>
    <message>
        <source>gates at the last token (units in heatmap order)</source>
        <translation>portas no último token (unidades na ordem do mapa de calor)</translation>
    </message>
    <message>
        <source>{0}: → shut</source>
        <translation>{0}: → fechada</translation>
    </message>
    <message>
        <source>open →</source>
        <translation>aberta →</translation>
    </message>
    <message>
        <source>{0} of {1} units keep their cell (forget gate open ≥ 90% of steps)</source>
        <translation>{0} de {1} unidades mantêm a célula (porta de esquecimento aberta em ≥ 90% dos passos)</translation>
    </message>
    <message>
        <source>{0} rarely write (input gate shut ≥ 90%), {1} rarely show (output shut ≥ 90%)</source>
        <translation>{0} raramente escrevem (porta de entrada fechada ≥ 90%), {1} raramente mostram (saída fechada ≥ 90%)</translation>
    </message>
    <message>
        <source>{0} of {1} units keep their value (update gate z &gt; 0.9 at ≥ 90% of steps)</source>
        <translation>{0} de {1} unidades mantêm o valor (porta de atualização z &gt; 0,9 em ≥ 90% dos passos)</translation>
    </message>
    <message>
        <source>{0} of {1} are rewritten at almost every word (z &lt; 0.1 at ≥ 90%)</source>
        <translation>{0} de {1} são reescritas a quase cada palavra (z &lt; 0,1 em ≥ 90%)</translation>
    </message>
    <message>
        <source>Mean gates at the last token: {0}.</source>
        <translation>Média das portas no último token: {0}.</translation>
    </message>
</context>
<context>
    <name>GhostText</name>
    <message>
        <source>Ghost text: “{0}”</source>
        <translation>Texto fantasma: “{0}”</translation>
    </message>
</context>
<context>
    <name>Heatmap</name>
    <message>
        <source>type to see the LSTM&apos;s state</source>
        <translation>digite para ver o estado da LSTM</translation>
    </message>
    <message>
        <source>unit {0} {1:+.2f}</source>
        <translation>unidade {0} {1:+.2f}</translation>
    </message>
    <message>
        <source>{0}. Strongest at &apos;{1}&apos;: {2}.</source>
        <translation>{0}. Mais fortes em &apos;{1}&apos;: {2}.</translation>
    </message>
    <message>
        <source>Selected: unit {0} {1:+.2f}.</source>
        <translation>Selecionada: unidade {0} {1:+.2f}.</translation>
    </message>
    <message>
        <source>unit {0}, token &apos;{1}&apos;, value {2:.3f}</source>
        <translation>unidade {0}, token &apos;{1}&apos;, valor {2:.3f}</translation>
    </message>
</context>
<context>
    <name>HelpMenu</name>
    <message>
        <source>Carlos Drummond de Andrade (1928, first published in the Revista de Antropofagia; collected in Alguma Poesia, 1930)</source>
        <translation>Carlos Drummond de Andrade (1928, publicado primeiro na Revista de Antropofagia; reunido em Alguma Poesia, 1930)</translation>
    </message>
    <message>
        <source>the rights remain with the author&apos;s estate; Caminho&apos;s MIT licence does not cover it</source>
        <translation>os direitos continuam com os herdeiros do autor; a licença MIT do Caminho não o abrange</translation>
    </message>
    <message>
        <source>the demo text, and the bundled model, which is trained on it alone</source>
        <translation>o texto de demonstração e o modelo incluído, treinado só com ele</translation>
    </message>
    <message>
        <source>GNU LGPL version 3</source>
        <translation>GNU LGPL versão 3</translation>
    </message>
    <message>
        <source>the window and everything in it</source>
        <translation>a janela e tudo o que há nela</translation>
    </message>
    <message>
        <source>runs the model</source>
        <translation>executa o modelo</translation>
    </message>
    <message>
        <source>the NumPy developers</source>
        <translation>os desenvolvedores do NumPy</translation>
    </message>
    <message>
        <source>the numbers around the model</source>
        <translation>os números em volta do modelo</translation>
    </message>
    <message>
        <source>the Python Software Foundation</source>
        <translation>a Python Software Foundation</translation>
    </message>
    <message>
        <source>the language Caminho is written in</source>
        <translation>a linguagem em que o Caminho é escrito</translation>
    </message>
    <message>
        <source>No model is loaded: the editor works, without suggestions.</source>
        <translation>Nenhum modelo carregado: o editor funciona, sem sugestões.</translation>
    </message>
    <message>
        <source>{0} layer</source>
        <translation>{0} camada</translation>
    </message>
    <message>
        <source>{0} layers</source>
        <translation>{0} camadas</translation>
    </message>
    <message>
        <source>{0}: {1:,} words and marks, {2} × {3} units</source>
        <translation>{0}: {1:,} palavras e sinais, {2} × {3} unidades</translation>
    </message>
    <message>
        <source>, trained on {0}</source>
        <translation>, treinado com {0}</translation>
    </message>
    <message>
        <source>&lt;li&gt;&lt;b&gt;{0}&lt;/b&gt;, by {1}: {2}. &lt;i&gt;Licence: {3}.&lt;/i&gt;&lt;/li&gt;</source>
        <translation>&lt;li&gt;&lt;b&gt;{0}&lt;/b&gt;, de {1}: {2}. &lt;i&gt;Licença: {3}.&lt;/i&gt;&lt;/li&gt;</translation>
    </message>
    <message>
        <source>&lt;p&gt;A text editor that autocompletes as you type with a word-level LSTM, and shows what the LSTM is thinking.&lt;/p&gt;</source>
        <translation>&lt;p&gt;Um editor de texto que completa o que você digita com uma LSTM de palavras e mostra o que a LSTM está pensando.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&lt;p&gt;&lt;b&gt;Model in use:&lt;/b&gt; {0}{1}&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;Modelo em uso:&lt;/b&gt; {0}{1}&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&lt;p&gt;Caminho&apos;s code is free software under the {0} licence.&lt;/p&gt;</source>
        <translation>&lt;p&gt;O código do Caminho é software livre sob a licença {0}.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Credits and licences&lt;/h3&gt;</source>
        <translation>&lt;h3&gt;Créditos e licenças&lt;/h3&gt;</translation>
    </message>
    <message>
        <source>left</source>
        <translation>da esquerda</translation>
    </message>
    <message>
        <source>middle</source>
        <translation>do meio</translation>
    </message>
    <message>
        <source>right</source>
        <translation>da direita</translation>
    </message>
    <message>
        <source>Suggestions</source>
        <translation>Sugestões</translation>
    </message>
    <message>
        <source>Accept all of the grey ghost text</source>
        <translation>Aceitar todo o texto fantasma cinza</translation>
    </message>
    <message>
        <source>Accept the next word of the ghost text</source>
        <translation>Aceitar a próxima palavra do texto fantasma</translation>
    </message>
    <message>
        <source>Hide the ghost text</source>
        <translation>Esconder o texto fantasma</translation>
    </message>
    <message>
        <source>the best suggestion</source>
        <translation>a melhor sugestão</translation>
    </message>
    <message>
        <source>the second best</source>
        <translation>a segunda melhor</translation>
    </message>
    <message>
        <source>the third best</source>
        <translation>a terceira melhor</translation>
    </message>
    <message>
        <source>Insert {0} (the {1} word of the strip)</source>
        <translation>Inserir {0} (a palavra {1} na faixa de sugestões)</translation>
    </message>
    <message>
        <source>In the strip (after F6): move between the words</source>
        <translation>Na faixa (depois de F6): passar de uma palavra a outra</translation>
    </message>
    <message>
        <source>In the strip: insert the word and go back to the text</source>
        <translation>Na faixa: inserir a palavra e voltar ao texto</translation>
    </message>
    <message>
        <source>In the strip: go back to the text</source>
        <translation>Na faixa: voltar ao texto</translation>
    </message>
    <message>
        <source>Find bar</source>
        <translation>Barra de localizar</translation>
    </message>
    <message>
        <source>Find the next match</source>
        <translation>Localizar a próxima ocorrência</translation>
    </message>
    <message>
        <source>Find the previous match</source>
        <translation>Localizar a ocorrência anterior</translation>
    </message>
    <message>
        <source>Close the find bar</source>
        <translation>Fechar a barra de localizar</translation>
    </message>
    <message>
        <source>&amp;User Guide</source>
        <translation>&amp;Guia do usuário</translation>
    </message>
    <message>
        <source>&amp;Keyboard Shortcuts</source>
        <translation>&amp;Atalhos de teclado</translation>
    </message>
    <message>
        <source>&amp;About Caminho</source>
        <translation>&amp;Sobre o Caminho</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>Aj&amp;uda</translation>
    </message>
    <message>
        <source>About Caminho</source>
        <translation>Sobre o Caminho</translation>
    </message>
    <message>
        <source>Keyboard Shortcuts</source>
        <translation>Atalhos de teclado</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>Teclas</translation>
    </message>
    <message>
        <source>Command</source>
        <translation>Comando</translation>
    </message>
    <message>
        <source>Caminho User Guide</source>
        <translation>Guia do usuário do Caminho</translation>
    </message>
    <message>
        <source>The user guide is not part of this copy of Caminho. It is README.md in Caminho&apos;s source.</source>
        <translation>O guia do usuário não faz parte desta cópia do Caminho. Ele é o README.md do código-fonte do Caminho.</translation>
    </message>
</context>
<context>
    <name>InsightPanel</name>
    <message>
        <source>Layer</source>
        <translation>Camada</translation>
    </message>
    <message>
        <source>Pin</source>
        <translation>Fixar</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Estado</translation>
    </message>
    <message>
        <source>Next word</source>
        <translation>Próxima palavra</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>Unidade</translation>
    </message>
    <message>
        <source>Memory</source>
        <translation>Memória</translation>
    </message>
    <message>
        <source>Gates</source>
        <translation>Portas</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>Comparar</translation>
    </message>
    <message>
        <source>hidden h</source>
        <translation>oculto h</translation>
    </message>
    <message>
        <source>cell tanh(c)</source>
        <translation>célula tanh(c)</translation>
    </message>
    <message>
        <source>cell c</source>
        <translation>célula c</translation>
    </message>
    <message>
        <source>input gate i</source>
        <translation>porta de entrada i</translation>
    </message>
    <message>
        <source>forget gate f</source>
        <translation>porta de esquecimento f</translation>
    </message>
    <message>
        <source>candidate g</source>
        <translation>candidato g</translation>
    </message>
    <message>
        <source>output gate o</source>
        <translation>porta de saída o</translation>
    </message>
    <message>
        <source>reset gate r</source>
        <translation>porta de reinício r</translation>
    </message>
    <message>
        <source>update gate z</source>
        <translation>porta de atualização z</translation>
    </message>
    <message>
        <source>candidate n</source>
        <translation>candidato n</translation>
    </message>
    <message>
        <source>by index</source>
        <translation>por índice</translation>
    </message>
    <message>
        <source>by activity</source>
        <translation>por atividade</translation>
    </message>
    <message>
        <source>by similarity</source>
        <translation>por semelhança</translation>
    </message>
    <message>
        <source>by 1st principal component</source>
        <translation>pelo 1º componente principal</translation>
    </message>
    <message>
        <source>Insight</source>
        <translation>Análise</translation>
    </message>
    <message>
        <source>Pin the current state; the Pin tab compares the live state with it</source>
        <translation>Fixa o estado atual; a aba Pin compara o estado ao vivo com ele</translation>
    </message>
    <message>
        <source>Tint text</source>
        <translation>Colorir texto</translation>
    </message>
    <message>
        <source>Colour the document&apos;s words by the selected unit</source>
        <translation>Colore as palavras do documento pela unidade selecionada</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>Exportar</translation>
    </message>
    <message>
        <source>Panel as PNG…</source>
        <translation>Painel como PNG…</translation>
    </message>
    <message>
        <source>Document states (CSV/NPZ)…</source>
        <translation>Estados do documento (CSV/NPZ)…</translation>
    </message>
    <message>
        <source>State shown</source>
        <translation>Estado mostrado</translation>
    </message>
    <message>
        <source>Row order</source>
        <translation>Ordem das linhas</translation>
    </message>
    <message>
        <source>rows</source>
        <translation>linhas</translation>
    </message>
    <message>
        <source>Δh (hidden)</source>
        <translation>Δh (oculto)</translation>
    </message>
    <message>
        <source>Δc (cell)</source>
        <translation>Δc (célula)</translation>
    </message>
    <message>
        <source>Pinned state shown</source>
        <translation>Estado fixado mostrado</translation>
    </message>
    <message>
        <source>Press Pin to keep the current state, then type on.</source>
        <translation>Clique em Fixar para guardar o estado atual e continue digitando.</translation>
    </message>
    <message>
        <source>Insight views</source>
        <translation>Vistas da análise</translation>
    </message>
    <message>
        <source>State heatmap</source>
        <translation>Mapa de calor do estado</translation>
    </message>
    <message>
        <source>Next-word probabilities</source>
        <translation>Probabilidades da próxima palavra</translation>
    </message>
    <message>
        <source>Unit trace</source>
        <translation>Traço da unidade</translation>
    </message>
    <message>
        <source>Word importance</source>
        <translation>Importância das palavras</translation>
    </message>
    <message>
        <source>Pinned and live state</source>
        <translation>Estado fixado e atual</translation>
    </message>
    <message>
        <source>no model</source>
        <translation>sem modelo</translation>
    </message>
    <message>
        <source>{0} · {1} · {2} layer(s) × {3} units · {4} tokens</source>
        <translation>{0} · {1} · {2} camada(s) × {3} unidades · {4} tokens</translation>
    </message>
    <message>
        <source>A plain RNN has no gates: h&apos; = tanh(W x + U h + b) rewrites its whole state at every word, so nothing in it can decide to keep a value. Its memory is whatever survives that rewriting; compare it with an LSTM in the Compare view.</source>
        <translation>Uma RNN simples não tem portas: h&apos; = tanh(W x + U h + b) reescreve todo o seu estado a cada palavra, então nada nela pode decidir guardar um valor. Sua memória é o que sobrevive a essa reescrita; compare-a com uma LSTM na vista Comparar.</translation>
    </message>
    <message>
        <source>no gates yet</source>
        <translation>ainda sem portas</translation>
    </message>
    <message>
        <source>Δc (a {0} has none)</source>
        <translation>Δc (uma {0} não tem)</translation>
    </message>
    <message>
        <source>finding the unit that matters most for this prediction…</source>
        <translation>procurando a unidade que mais pesa nesta previsão…</translation>
    </message>
    <message>
        <source>click a row of the State heatmap</source>
        <translation>clique numa linha do mapa de calor de Estado</translation>
    </message>
    <message>
        <source>unit {0} · layer {1} · last {2} tokens</source>
        <translation>unidade {0} · camada {1} · últimos {2} tokens</translation>
    </message>
    <message>
        <source>c from {0:.2f} to {1:.2f}</source>
        <translation>c de {0:.2f} a {1:.2f}</translation>
    </message>
    <message>
        <source>Unit {0}, as you chose (click another row of the State heatmap to change).</source>
        <translation>Unidade {0}, como você escolheu (clique noutra linha do mapa de calor de Estado para trocar).</translation>
    </message>
    <message>
        <source>A plain RNN has no gates or cell state: only h is drawn.</source>
        <translation>Uma RNN simples não tem portas nem estado de célula: só h é desenhado.</translation>
    </message>
    <message>
        <source>A {0} has no cell state: h is its memory, drawn with its reset and update gates.</source>
        <translation>Uma {0} não tem estado de célula: h é a sua memória, desenhado com as portas de reinício e de atualização.</translation>
    </message>
    <message>
        <source>‖Δc‖ = {0:.3f} (cos {1:.3f})</source>
        <translation>‖Δc‖ = {0:.3f} (cos {1:.3f})</translation>
    </message>
    <message>
        <source>(no cell state c in this model)</source>
        <translation>(este modelo não tem estado de célula c)</translation>
    </message>
    <message>
        <source>‖Δh‖ = {0:.3f} (cos {1:.3f})</source>
        <translation>‖Δh‖ = {0:.3f} (cos {1:.3f})</translation>
    </message>
    <message>
        <source>against the state after &apos;{0}&apos;</source>
        <translation>em relação ao estado depois de &apos;{0}&apos;</translation>
    </message>
    <message>
        <source>Comparing with {0}: {1}</source>
        <translation>Comparando com {0}: {1}</translation>
    </message>
    <message>
        <source>(updating…)</source>
        <translation>(atualizando…)</translation>
    </message>
    <message>
        <source>Unpin</source>
        <translation>Soltar</translation>
    </message>
    <message>
        <source>{0} · layer {1} · {2} units × {3} tokens</source>
        <translation>{0} · camada {1} · {2} unidades × {3} tokens</translation>
    </message>
    <message>
        <source>LSTM&apos;s next token · entropy {0:.2f} bits · ★ in the strip</source>
        <translation>próximo token da LSTM · entropia {0:.2f} bits · ★ na faixa</translation>
    </message>
    <message>
        <source>earlier</source>
        <translation>antes</translation>
    </message>
    <message>
        <source>line {0}: “{1}”</source>
        <translation>linha {0}: “{1}”</translation>
    </message>
    <message>
        <source>&lt;b&gt;{0}&lt;/b&gt; recalls &lt;a href=&apos;{1}&apos;&gt;{2}&lt;/a&gt;</source>
        <translation>&lt;b&gt;{0}&lt;/b&gt; lembra &lt;a href=&apos;{1}&apos;&gt;{2}&lt;/a&gt;</translation>
    </message>
    <message>
        <source>no unit selected</source>
        <translation>nenhuma unidade selecionada</translation>
    </message>
    <message>
        <source>needs the model</source>
        <translation>precisa do modelo</translation>
    </message>
    <message>
        <source>computing…</source>
        <translation>calculando…</translation>
    </message>
    <message>
        <source>How much each word matters to predicting &apos;{0}&apos; (P = {1:.1%}): drop in P when it is replaced by &lt;unk&gt;</source>
        <translation>Quanto cada palavra pesa na previsão de &apos;{0}&apos; (P = {1:.1%}): queda de P quando ela é trocada por &lt;unk&gt;</translation>
    </message>
    <message>
        <source> · updating…</source>
        <translation> · atualizando…</translation>
    </message>
    <message>
        <source>saturation over the document ({0} steps)</source>
        <translation>saturação no documento ({0} passos)</translation>
    </message>
    <message>
        <source>saturation over the last {0} tokens</source>
        <translation>saturação nos últimos {0} tokens</translation>
    </message>
    <message>
        <source>pinned &apos;{0}&apos;</source>
        <translation>fixado &apos;{0}&apos;</translation>
    </message>
    <message>
        <source>live</source>
        <translation>atual</translation>
    </message>
    <message>
        <source>{0}: pinned, live and their difference</source>
        <translation>{0}: fixado, atual e a diferença</translation>
    </message>
    <message>
        <source>analysis failed: {0}</source>
        <translation>a análise falhou: {0}</translation>
    </message>
    <message>
        <source>Export panel</source>
        <translation>Exportar painel</translation>
    </message>
    <message>
        <source>PNG image (*.png)</source>
        <translation>Imagem PNG (*.png)</translation>
    </message>
    <message>
        <source>Export document states</source>
        <translation>Exportar estados do documento</translation>
    </message>
    <message>
        <source>NumPy archive (*.npz);;CSV table (*.csv)</source>
        <translation>Arquivo NumPy (*.npz);;Tabela CSV (*.csv)</translation>
    </message>
    <message>
        <source>export failed: {0}</source>
        <translation>a exportação falhou: {0}</translation>
    </message>
</context>
<context>
    <name>LexiconChooser</name>
    <message>
        <source>&amp;Word List</source>
        <translation>&amp;Lista de Palavras</translation>
    </message>
    <message>
        <source>&amp;Automatic</source>
        <translation>&amp;Automática</translation>
    </message>
    <message>
        <source>&amp;None</source>
        <translation>&amp;Nenhuma</translation>
    </message>
    <message>
        <source>Word list not loaded: {0}</source>
        <translation>Lista de palavras não carregada: {0}</translation>
    </message>
    <message>
        <source>No word list: only the model&apos;s and the document&apos;s words are completed</source>
        <translation>Sem lista de palavras: só as palavras do modelo e do documento são completadas</translation>
    </message>
    <message>
        <source>Completing words from the {0} word list ({1})</source>
        <translation>Completando palavras da lista de {0} ({1})</translation>
    </message>
    <message>
        <source>chosen for this document</source>
        <translation>escolhida para este documento</translation>
    </message>
    <message>
        <source>chosen in Preferences</source>
        <translation>escolhida nas Preferências</translation>
    </message>
    <message>
        <source>the model&apos;s language</source>
        <translation>o idioma do modelo</translation>
    </message>
    <message>
        <source>the system&apos;s language</source>
        <translation>o idioma do sistema</translation>
    </message>
    <message>
        <source>Word list not loaded: {0}. Suggestions come from the model alone.</source>
        <translation>Lista de palavras não carregada: {0}. As sugestões vêm só do modelo.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Text</source>
        <translation>Texto</translation>
    </message>
    <message>
        <source>&amp;New</source>
        <translation>&amp;Novo</translation>
    </message>
    <message>
        <source>&amp;Open…</source>
        <translation>&amp;Abrir…</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>&amp;Salvar</translation>
    </message>
    <message>
        <source>Save &amp;As…</source>
        <translation>Salvar &amp;como…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>Sa&amp;ir</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>&amp;Desfazer</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>&amp;Refazer</translation>
    </message>
    <message>
        <source>Cu&amp;t</source>
        <translation>Recor&amp;tar</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Copiar</translation>
    </message>
    <message>
        <source>&amp;Paste</source>
        <translation>C&amp;olar</translation>
    </message>
    <message>
        <source>Select &amp;All</source>
        <translation>Selecionar t&amp;udo</translation>
    </message>
    <message>
        <source>&amp;Find…</source>
        <translation>&amp;Localizar…</translation>
    </message>
    <message>
        <source>Find &amp;Next</source>
        <translation>Localizar &amp;próxima</translation>
    </message>
    <message>
        <source>Find Pre&amp;vious</source>
        <translation>Localizar &amp;anterior</translation>
    </message>
    <message>
        <source>Zoom &amp;In</source>
        <translation>&amp;Aumentar zoom</translation>
    </message>
    <message>
        <source>Zoom &amp;Out</source>
        <translation>&amp;Diminuir zoom</translation>
    </message>
    <message>
        <source>&amp;Reset Zoom</source>
        <translation>&amp;Restaurar zoom</translation>
    </message>
    <message>
        <source>Next &amp;Pane</source>
        <translation>Pró&amp;ximo painel</translation>
    </message>
    <message>
        <source>Move the keyboard focus to the suggestions, the insight panel, then back to the text</source>
        <translation>Levar o foco do teclado às sugestões, ao painel de análise e de volta ao texto</translation>
    </message>
    <message>
        <source>Previous Pan&amp;e</source>
        <translation>Painel a&amp;nterior</translation>
    </message>
    <message>
        <source>&amp;System</source>
        <translation>&amp;Sistema</translation>
    </message>
    <message>
        <source>&amp;Light</source>
        <translation>&amp;Claro</translation>
    </message>
    <message>
        <source>&amp;Dark</source>
        <translation>&amp;Escuro</translation>
    </message>
    <message>
        <source>&amp;Load Model…</source>
        <translation>&amp;Carregar modelo…</translation>
    </message>
    <message>
        <source>Suggest with a model file (.onnx) of your own</source>
        <translation>Sugerir com um arquivo de modelo (.onnx) seu</translation>
    </message>
    <message>
        <source>Use &amp;Bundled Model</source>
        <translation>Usar modelo &amp;incluído</translation>
    </message>
    <message>
        <source>Suggest with the model that comes with Caminho</source>
        <translation>Sugerir com o modelo que vem com o Caminho</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Arquivo</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>Abrir &amp;recentes</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>&amp;Editar</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>E&amp;xibir</translation>
    </message>
    <message>
        <source>T&amp;heme</source>
        <translation>&amp;Tema</translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation>&amp;Modelo</translation>
    </message>
    <message>
        <source>How long the last suggestion took</source>
        <translation>Quanto tempo a última sugestão levou</translation>
    </message>
    <message>
        <source>Encoding and line endings used when saving</source>
        <translation>Codificação e fim de linha usados ao salvar</translation>
    </message>
    <message>
        <source>No model</source>
        <translation>Sem modelo</translation>
    </message>
    <message>
        <source>Ln {0}, Col {1}</source>
        <translation>Lin {0}, Col {1}</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Abrir</translation>
    </message>
    <message>
        <source>Text files (*.txt *.md *.text);;All files (*)</source>
        <translation>Arquivos de texto (*.txt *.md *.text);;Todos os arquivos (*)</translation>
    </message>
    <message>
        <source>Save As</source>
        <translation>Salvar como</translation>
    </message>
    <message>
        <source>Load Model</source>
        <translation>Carregar modelo</translation>
    </message>
    <message>
        <source>ONNX models (*.onnx);;All files (*)</source>
        <translation>Modelos ONNX (*.onnx);;Todos os arquivos (*)</translation>
    </message>
    <message>
        <source>suggested in {0:.1f} ms</source>
        <translation>sugerido em {0:.1f} ms</translation>
    </message>
    <message>
        <source>In&amp;sight Panel</source>
        <translation>&amp;Painel de análise</translation>
    </message>
    <message>
        <source>Using the bundled model: {0} could not be loaded.</source>
        <translation>Usando o modelo incluído: não foi possível carregar {0}.</translation>
    </message>
    <message>
        <source>Model loaded: {0}</source>
        <translation>Modelo carregado: {0}</translation>
    </message>
    <message>
        <source>Your model could not be loaded</source>
        <translation>Não foi possível carregar o seu modelo</translation>
    </message>
    <message>
        <source>Caminho suggests with its bundled model instead. To use another model, choose it again (Model → Models… or Model → Load Model…).</source>
        <translation>Em vez dele, o Caminho sugere com o modelo incluído. Para usar outro modelo, escolha-o de novo (Modelo → Modelos… ou Modelo → Carregar modelo…).</translation>
    </message>
    <message>
        <source>Model not loaded</source>
        <translation>Modelo não carregado</translation>
    </message>
    <message>
        <source>You can keep typing; there are no suggestions until a model loads. Model → Use Bundled Model brings the bundled one back, Model → Load Model… takes a .onnx file made by caminho-train.</source>
        <translation>Você pode continuar digitando; não há sugestões até que um modelo seja carregado. Modelo → Usar modelo incluído traz de volta o modelo incluído, Modelo → Carregar modelo… abre um arquivo .onnx feito pelo caminho-train.</translation>
    </message>
    <message>
        <source>The model</source>
        <translation>O modelo</translation>
    </message>
    <message>
        <source>Could not load {0}</source>
        <translation>Não foi possível carregar {0}</translation>
    </message>
    <message>
        <source>Nothing changed: {0} still suggests. Load a .onnx file made by caminho-train, or make one from your own texts (Model → Train on Documents…).</source>
        <translation>Nada mudou: {0} continua sugerindo. Carregue um arquivo .onnx feito pelo caminho-train, ou crie um a partir dos seus próprios textos (Modelo → Treinar com documentos…).</translation>
    </message>
    <message>
        <source>Opened only the first of {0} files.</source>
        <translation>Aberto apenas o primeiro de {0} arquivos.</translation>
    </message>
    <message>
        <source>closing</source>
        <translation>fechar</translation>
    </message>
</context>
<context>
    <name>ModelHint</name>
    <message>
        <source>train one on your writing: Model → Train on Documents…</source>
        <translation>treine um com a sua escrita: Modelo → Treinar com documentos…</translation>
    </message>
    <message>
        <source>{0:,} word</source>
        <translation>{0:,} palavra</translation>
    </message>
    <message>
        <source>{0:,} words</source>
        <translation>{0:,} palavras</translation>
    </message>
    <message>
        <source>Poem model: {0}</source>
        <translation>Modelo do poema: {0}</translation>
    </message>
    <message>
        <source>Poem model: {0} — {1}
It knows only the poem “No Meio do Caminho”, so it suggests lines of it.</source>
        <translation>Modelo do poema: {0} — {1}
Ele conhece só o poema “No Meio do Caminho”, por isso sugere versos dele.</translation>
    </message>
    <message>
        <source>The model {0} knows {1}.</source>
        <translation>O modelo {0} conhece {1}.</translation>
    </message>
</context>
<context>
    <name>ModelsDialog</name>
    <message>
        <source>Models</source>
        <translation>Modelos</translation>
    </message>
    <message>
        <source>Use</source>
        <translation>Usar</translation>
    </message>
    <message>
        <source>Suggest with this model, now and at the next start</source>
        <translation>Sugerir com este modelo, agora e na próxima vez que abrir</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>Renomear</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>Apagar…</translation>
    </message>
    <message>
        <source>Train New…</source>
        <translation>Treinar novo…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Fechar</translation>
    </message>
    <message>
        <source> — in use</source>
        <translation> — em uso</translation>
    </message>
    <message>
        <source>Could not rename the model</source>
        <translation>Não foi possível renomear o modelo</translation>
    </message>
    <message>
        <source>Delete model</source>
        <translation>Apagar modelo</translation>
    </message>
    <message>
        <source>Delete the model “{0}”?</source>
        <translation>Apagar o modelo “{0}”?</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Apagar</translation>
    </message>
    <message>
        <source>The file is removed from your models folder; training on the same texts makes a new one.</source>
        <translation>O arquivo é removido da sua pasta de modelos; treinar com os mesmos textos cria um novo.</translation>
    </message>
    <message>
        <source>Could not delete the model</source>
        <translation>Não foi possível apagar o modelo</translation>
    </message>
</context>
<context>
    <name>PreferencesDialog</name>
    <message>
        <source>Tab</source>
        <translation>Tab</translation>
    </message>
    <message>
        <source>Right arrow</source>
        <translation>Seta para a direita</translation>
    </message>
    <message>
        <source>End</source>
        <translation>End</translation>
    </message>
    <message>
        <source>System</source>
        <translation>Sistema</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>Claro</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>Escuro</translation>
    </message>
    <message>
        <source>Automatic (the model&apos;s language)</source>
        <translation>Automática (a língua do modelo)</translation>
    </message>
    <message>
        <source>None</source>
        <translation>Nenhuma</translation>
    </message>
    <message>
        <source>Preferences</source>
        <translation>Preferências</translation>
    </message>
    <message>
        <source>Suggestions</source>
        <translation>Sugestões</translation>
    </message>
    <message>
        <source>Show ghost text after the cursor</source>
        <translation>Mostrar texto fantasma depois do cursor</translation>
    </message>
    <message>
        <source>Accept ghost text with:</source>
        <translation>Aceitar texto fantasma com:</translation>
    </message>
    <message>
        <source>Ghost text appears only when the model is at least this sure of the next word</source>
        <translation>O texto fantasma só aparece quando o modelo tem pelo menos esta certeza da próxima palavra</translation>
    </message>
    <message>
        <source>Confidence for ghost text:</source>
        <translation>Confiança para o texto fantasma:</translation>
    </message>
    <message>
        <source>Ghost text words at most:</source>
        <translation>Máximo de palavras no texto fantasma:</translation>
    </message>
    <message>
        <source>Show the insight panel</source>
        <translation>Mostrar o painel de análise</translation>
    </message>
    <message>
        <source>Model:</source>
        <translation>Modelo:</translation>
    </message>
    <message>
        <source>Complete any word of this language, not only the model&apos;s (View → Word List overrides it for one document)</source>
        <translation>Completar qualquer palavra deste idioma, não só as do modelo (Exibir → Lista de Palavras muda isso para um documento)</translation>
    </message>
    <message>
        <source>Word list:</source>
        <translation>Lista de palavras:</translation>
    </message>
    <message>
        <source>Your words</source>
        <translation>Suas palavras</translation>
    </message>
    <message>
        <source>Never suggested (right-click a suggestion, or Ctrl+Shift+Delete on ghost text, to add):</source>
        <translation>Nunca sugeridas (para incluir, clique com o botão direito numa sugestão ou use Ctrl+Shift+Delete no texto fantasma):</translation>
    </message>
    <message>
        <source>Unblock</source>
        <translation>Desbloquear</translation>
    </message>
    <message>
        <source>Remember words I type often and suggest them</source>
        <translation>Lembrar as palavras que digito com frequência e sugeri-las</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Limpar</translation>
    </message>
    <message>
        <source>Forget every word learnt so far</source>
        <translation>Esquecer todas as palavras aprendidas até agora</translation>
    </message>
    <message>
        <source>Interface</source>
        <translation>Interface</translation>
    </message>
    <message>
        <source>&amp;Theme:</source>
        <translation>&amp;Tema:</translation>
    </message>
    <message>
        <source>System (the computer&apos;s language)</source>
        <translation>Sistema (a língua do computador)</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>&amp;Idioma:</translation>
    </message>
    <message>
        <source>The language changes the next time Caminho starts.</source>
        <translation>O idioma muda na próxima vez que o Caminho abrir.</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Fechar</translation>
    </message>
    <message>
        <source> (bundled)</source>
        <translation> (incluído)</translation>
    </message>
    <message>
        <source>{0} word</source>
        <translation>{0} palavra</translation>
    </message>
    <message>
        <source>{0} words</source>
        <translation>{0} palavras</translation>
    </message>
</context>
<context>
    <name>ProbBars</name>
    <message>
        <source>no prediction yet</source>
        <translation>ainda sem previsão</translation>
    </message>
    <message>
        <source>{0} {1:.1%} (in the strip)</source>
        <translation>{0} {1:.1%} (na faixa)</translation>
    </message>
    <message>
        <source>{0} {1:.1%}</source>
        <translation>{0} {1:.1%}</translation>
    </message>
</context>
<context>
    <name>SuggestionStrip</name>
    <message>
        <source>Suggestions</source>
        <translation>Sugestões</translation>
    </message>
    <message>
        <source>{0} inserts “{1}”; right-click to block it</source>
        <translation>{0} insere “{1}”; clique com o botão direito para bloqueá-la</translation>
    </message>
    <message>
        <source>No suggestion</source>
        <translation>Nenhuma sugestão</translation>
    </message>
    <message>
        <source>Suggestion {0} of {1}, {2}</source>
        <translation>Sugestão {0} de {1}, {2}</translation>
    </message>
    <message>
        <source>Never suggest “{0}”</source>
        <translation>Nunca sugerir “{0}”</translation>
    </message>
</context>
<context>
    <name>Trace</name>
    <message>
        <source>click a row of the State heatmap</source>
        <translation>clique numa linha do mapa de calor de Estado</translation>
    </message>
    <message>
        <source>{0}. At &apos;{1}&apos;: {2}.</source>
        <translation>{0}. Em &apos;{1}&apos;: {2}.</translation>
    </message>
</context>
<context>
    <name>TrainDialog</name>
    <message>
        <source>Train on Documents</source>
        <translation>Treinar com documentos</translation>
    </message>
    <message>
        <source>This copy of Caminho cannot train models: training needs PyTorch, which the packaged app leaves out. Install Caminho with training, which adds the caminho-train command this dialog uses:</source>
        <translation>Esta cópia do Caminho não treina modelos: o treino precisa do PyTorch, que o aplicativo empacotado não inclui. Instale o Caminho com treino, o que acrescenta o comando caminho-train que esta janela usa:</translation>
    </message>
    <message>
        <source>Training needs PyTorch, which this installation lacks. Add it with this command, then restart Caminho:</source>
        <translation>O treino precisa do PyTorch, que falta nesta instalação. Instale-o com este comando e depois reinicie o Caminho:</translation>
    </message>
    <message>
        <source>Command that installs the trainer</source>
        <translation>Comando que instala o treinador</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Copiar</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Fechar</translation>
    </message>
    <message>
        <source>Texts to learn from (text files):</source>
        <translation>Textos para aprender (arquivos de texto):</translation>
    </message>
    <message>
        <source>Texts to learn from</source>
        <translation>Textos para aprender</translation>
    </message>
    <message>
        <source>Add Files…</source>
        <translation>Adicionar arquivos…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Remover</translation>
    </message>
    <message>
        <source>Include the open document ({0})</source>
        <translation>Incluir o documento aberto ({0})</translation>
    </message>
    <message>
        <source>Size:</source>
        <translation>Tamanho:</translation>
    </message>
    <message>
        <source>Model name:</source>
        <translation>Nome do modelo:</translation>
    </message>
    <message>
        <source>automatic</source>
        <translation>automático</translation>
    </message>
    <message>
        <source>The most passes over the texts; training stops earlier once the model stops improving</source>
        <translation>O máximo de passadas pelos textos; o treino para antes se o modelo deixar de melhorar</translation>
    </message>
    <message>
        <source>Epochs:</source>
        <translation>Épocas:</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>sem limite</translation>
    </message>
    <message>
        <source>{0} min</source>
        <translation>{0} min</translation>
    </message>
    <message>
        <source>{0} h</source>
        <translation>{0} h</translation>
    </message>
    <message>
        <source>The longest the training may take, the model saved and checked included; it plans its epochs to finish in time</source>
        <translation>O tempo máximo que o treino pode levar, incluindo salvar e verificar o modelo; as épocas são planejadas para terminar a tempo</translation>
    </message>
    <message>
        <source>Time limit:</source>
        <translation>Limite de tempo:</translation>
    </message>
    <message>
        <source>Estimated time:</source>
        <translation>Tempo estimado:</translation>
    </message>
    <message>
        <source>Training log</source>
        <translation>Registro do treino</translation>
    </message>
    <message>
        <source>Show Log</source>
        <translation>Mostrar registro</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Iniciar</translation>
    </message>
    <message>
        <source>Cancel Training</source>
        <translation>Cancelar treino</translation>
    </message>
    <message>
        <source>Texts to Train On</source>
        <translation>Textos para o treino</translation>
    </message>
    <message>
        <source>Text files (*.txt *.md *.text);;All files (*)</source>
        <translation>Arquivos de texto (*.txt *.md *.text);;Todos os arquivos (*)</translation>
    </message>
    <message>
        <source>  (read as {0})</source>
        <translation>  (lido como {0})</translation>
    </message>
    <message>
        <source>“{0}” is not UTF-8</source>
        <translation>“{0}” não está em UTF-8</translation>
    </message>
    <message>
        <source>It reads as {0}{1}. Learn from it read that way?</source>
        <translation>Ele pode ser lido como {0}{1}. Aprender com ele lido dessa forma?</translation>
    </message>
    <message>
        <source>, with words such as {0}</source>
        <translation>, com palavras como {0}</translation>
    </message>
    <message>
        <source>Read as {0}</source>
        <translation>Ler como {0}</translation>
    </message>
    <message>
        <source>Leave It Out</source>
        <translation>Deixar de fora</translation>
    </message>
    <message>
        <source>The file itself stays as it is; the trainer gets a UTF-8 copy.</source>
        <translation>O arquivo em si continua como está; o treinador recebe uma cópia em UTF-8.</translation>
    </message>
    <message>
        <source>about </source>
        <translation>cerca de </translation>
    </message>
    <message>
        <source>{0} characters, {1}{2} tokens (words, punctuation, line breaks)</source>
        <translation>{0} caracteres, {1}{2} tokens (palavras, pontuação, quebras de linha)</translation>
    </message>
    <message>
        <source>about {0} ({1} epochs)</source>
        <translation>cerca de {0} ({1} épocas)</translation>
    </message>
    <message>
        <source>about {0}: about {1} epochs, at most {2} (it stops by itself once it no longer improves)</source>
        <translation>cerca de {0}: cerca de {1} épocas, no máximo {2} (ele para sozinho quando deixa de melhorar)</translation>
    </message>
    <message>
        <source>Training is running; Cancel Training stops it.</source>
        <translation>O treino está em andamento; Cancelar treino o interrompe.</translation>
    </message>
    <message>
        <source>The open document is empty: add text files to learn from.</source>
        <translation>O documento aberto está vazio: adicione arquivos de texto para aprender.</translation>
    </message>
    <message>
        <source>Add text files to learn from (Add Files…), or include the open document.</source>
        <translation>Adicione arquivos de texto para aprender (Adicionar arquivos…) ou inclua o documento aberto.</translation>
    </message>
    <message>
        <source>Too little text: {0} words and marks; training needs at least {1}.</source>
        <translation>Texto insuficiente: {0} palavras e sinais; o treino precisa de pelo menos {1}.</translation>
    </message>
    <message>
        <source>Train a new model on these texts</source>
        <translation>Treinar um modelo novo com estes textos</translation>
    </message>
    <message>
        <source>Starting the trainer…</source>
        <translation>Iniciando o treinador…</translation>
    </message>
    <message>
        <source>Could not prepare training: {0}</source>
        <translation>Não foi possível preparar o treino: {0}</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Cancelando…</translation>
    </message>
    <message>
        <source>Epoch {0} of {1}</source>
        <translation>Época {0} de {1}</translation>
    </message>
    <message>
        <source>Epoch {0} of about {1} (at most {2})</source>
        <translation>Época {0} de cerca de {1} (no máximo {2})</translation>
    </message>
    <message>
        <source>loss {0:.3f}</source>
        <translation>perda {0:.3f}</translation>
    </message>
    <message>
        <source>accuracy {0:.1%}</source>
        <translation>acurácia {0:.1%}</translation>
    </message>
    <message>
        <source>held-out accuracy {0:.1%}</source>
        <translation>acurácia na validação {0:.1%}</translation>
    </message>
    <message>
        <source>Training ends at epoch {0}: {1}. Saving and checking the model…</source>
        <translation>O treino termina na época {0}: {1}. Salvando e verificando o modelo…</translation>
    </message>
    <message>
        <source>Epoch %v of %m</source>
        <translation>Época %v de %m</translation>
    </message>
    <message>
        <source>Epoch %v of about %m</source>
        <translation>Época %v de cerca de %m</translation>
    </message>
    <message>
        <source>About {0} left at this pace</source>
        <translation>Faltam cerca de {0} neste ritmo</translation>
    </message>
    <message>
        <source> (at most {0} if it never stops early)</source>
        <translation> (no máximo {0} se ele não parar antes)</translation>
    </message>
    <message>
        <source>The loss on the held-out text has not improved for {0} epoch(s); after {1} without improvement training stops early.</source>
        <translation>A perda no texto de validação não melhora há {0} época(s); depois de {1} sem melhora, o treino para antes.</translation>
    </message>
    <message>
        <source>Done after %v epochs</source>
        <translation>Concluído após %v épocas</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Concluído</translation>
    </message>
    <message>
        <source> Measured accuracy: {0:.1%}.</source>
        <translation> Acurácia medida: {0:.1%}.</translation>
    </message>
    <message>
        <source>Training ended after {0} epochs: {1}.
</source>
        <translation>O treino terminou após {0} épocas: {1}.
</translation>
    </message>
    <message>
        <source>Done: “{0}” is saved and now suggests.{1} Your previous model stays available under Model → Models….</source>
        <translation>Pronto: “{0}” foi salvo e agora faz as sugestões.{1} Seu modelo anterior continua disponível em Modelo → Modelos….</translation>
    </message>
    <message>
        <source>Trained model saved: {0}</source>
        <translation>Modelo treinado salvo: {0}</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Falhou</translation>
    </message>
    <message>
        <source>Your texts and the model you use now are as they were.</source>
        <translation>Seus textos e o modelo que você usa agora continuam como estavam.</translation>
    </message>
    <message>
        <source>Nothing was saved: your texts and the model you use now are as they were.</source>
        <translation>Nada foi salvo: seus textos e o modelo que você usa agora continuam como estavam.</translation>
    </message>
    <message>
        <source>(the trainer wrote nothing)</source>
        <translation>(o treinador não escreveu nada)</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Cancelado</translation>
    </message>
    <message>
        <source>Cancelled; nothing was saved.</source>
        <translation>Cancelado; nada foi salvo.</translation>
    </message>
</context>
<context>
    <name>TrainingRun</name>
    <message>
        <source>Training failed after 1 epoch: {0}.</source>
        <translation>O treinamento falhou depois de 1 época: {0}.</translation>
    </message>
    <message>
        <source>Training failed after {1} epochs: {0}.</source>
        <translation>O treinamento falhou depois de {1} épocas: {0}.</translation>
    </message>
    <message>
        <source>Training failed: {0}.</source>
        <translation>O treinamento falhou: {0}.</translation>
    </message>
    <message>
        <source>The trained network could not be kept: {0}.</source>
        <translation>Não foi possível guardar a rede treinada: {0}.</translation>
    </message>
    <message>
        <source>The trained network was kept in {0}; the command caminho-train export {0} --out MODEL.onnx turns it into a model.</source>
        <translation>A rede treinada foi guardada em {0}; o comando caminho-train export {0} --out MODELO.onnx a transforma num modelo.</translation>
    </message>
    <message>
        <source>Training ended without writing a model.</source>
        <translation>O treinamento terminou sem gravar um modelo.</translation>
    </message>
    <message>
        <source>The new model did not pass validation: {0}</source>
        <translation>O novo modelo não passou na validação: {0}</translation>
    </message>
    <message>
        <source>{path} looks like a binary file, not text: NUL byte at offset {offset} (UTF-16 text must be converted to UTF-8 first)</source>
        <translation>{path} parece um arquivo binário, não texto: byte NUL na posição {offset} (um texto em UTF-16 precisa ser convertido para UTF-8 antes)</translation>
    </message>
    <message>
        <source>{path} is empty (0 bytes)</source>
        <translation>{path} está vazio (0 bytes)</translation>
    </message>
    <message>
        <source>{path} is a directory; give the text files inside it</source>
        <translation>{path} é uma pasta; escolha os arquivos de texto que estão dentro dela</translation>
    </message>
    <message>
        <source>{path}: line {line} is more than {limit} characters long, more than a corpus line may have; is this really prose? Break it into paragraphs (one per line) first</source>
        <translation>{path}: a linha {line} tem mais de {limit} caracteres, mais do que uma linha de corpus pode ter; é mesmo prosa? Divida-a em parágrafos (um por linha) antes</translation>
    </message>
    <message>
        <source>no corpus files given</source>
        <translation>nenhum arquivo de corpus foi indicado</translation>
    </message>
    <message>
        <source>corpus file not found: {path}</source>
        <translation>arquivo de corpus não encontrado: {path}</translation>
    </message>
    <message>
        <source>{path} is not a regular file (a pipe, device or socket); give a text file</source>
        <translation>{path} não é um arquivo comum (é um pipe, dispositivo ou socket); escolha um arquivo de texto</translation>
    </message>
    <message>
        <source>{path} is not UTF-8 text: byte {byte} at offset {offset} cannot be decoded (convert it, e.g. `iconv -f latin1 -t utf-8`)</source>
        <translation>{path} não é texto em UTF-8: o byte {byte} na posição {offset} não pode ser decodificado (converta o arquivo, por exemplo com `iconv -f latin1 -t utf-8`)</translation>
    </message>
    <message>
        <source>corpus too small: nothing left to train on after the validation split</source>
        <translation>corpus pequeno demais: não sobra nada para treinar depois de separar o texto de validação</translation>
    </message>
    <message>
        <source>{path} holds no text (only whitespace)</source>
        <translation>{path} não contém texto (só espaços em branco)</translation>
    </message>
    <message>
        <source>corpus too small: {tokens} token(s) in {files}, need at least {minimum} to train on</source>
        <translation>corpus pequeno demais: {tokens} token(s) em {files}; o treinamento precisa de pelo menos {minimum}</translation>
    </message>
    <message>
        <source>cannot read {path}: {reason}</source>
        <translation>não foi possível ler {path}: {reason}</translation>
    </message>
    <message>
        <source>--checkpoint {path} is one of the corpus files: writing the checkpoint there would replace {source}; choose another --checkpoint</source>
        <translation>--checkpoint {path} é um dos arquivos do corpus: gravar o checkpoint ali substituiria {source}; escolha outro --checkpoint</translation>
    </message>
    <message>
        <source>--checkpoint {path} is the --out file; give them different names</source>
        <translation>--checkpoint {path} é o próprio arquivo de --out; dê nomes diferentes aos dois</translation>
    </message>
    <message>
        <source>{option} {path}: cannot write in the folder {folder} ({reason}); choose another {option}</source>
        <translation>{option} {path}: não é possível gravar na pasta {folder} ({reason}); escolha outro {option}</translation>
    </message>
    <message>
        <source>{option} {path} already holds a model; give --force to replace it, or choose another {option}</source>
        <translation>{option} {path} já contém um modelo; use --force para substituí-lo, ou escolha outro {option}</translation>
    </message>
    <message>
        <source>{path} already exists and is not a Caminho checkpoint; it is left alone: choose another {option} (or move that file away)</source>
        <translation>{path} já existe e não é um checkpoint do Caminho; ele fica como está: escolha outro {option} (ou tire esse arquivo de lá)</translation>
    </message>
    <message>
        <source>{option} {path} already exists and is not a Caminho model; it is left alone: choose another {option} (or move that file away)</source>
        <translation>{option} {path} já existe e não é um modelo do Caminho; ele fica como está: escolha outro {option} (ou tire esse arquivo de lá)</translation>
    </message>
    <message>
        <source>{option} {path} is a folder; give a file name for the model</source>
        <translation>{option} {path} é uma pasta; dê um nome de arquivo para o modelo</translation>
    </message>
    <message>
        <source>{option} {path} is one of the input files: writing the model there would replace {source}; choose another {option}</source>
        <translation>{option} {path} é um dos arquivos de entrada: gravar o modelo ali substituiria {source}; escolha outro {option}</translation>
    </message>
    <message>
        <source>{option} {path}: {folder} is not a folder</source>
        <translation>{option} {path}: {folder} não é uma pasta</translation>
    </message>
    <message>
        <source>{option} {path}: cannot write in the folder (to create it in) {folder} ({reason}); choose another {option}</source>
        <translation>{option} {path}: não é possível gravar em {folder}, onde a pasta seria criada ({reason}); escolha outro {option}</translation>
    </message>
    <message>
        <source>{path} holds the network of an earlier run that was never made into a model. Make a model of it (caminho-train export {path} --corpus ... --out ...), continue it (--resume {path}), or give --force to train anew and replace it</source>
        <translation>{path} contém a rede de um treinamento anterior que nunca virou modelo. Faça um modelo dela (caminho-train export {path} --corpus ... --out ...), continue o treinamento (--resume {path}) ou use --force para treinar do zero e substituí-la</translation>
    </message>
    <message>
        <source>cannot check {option} {path}: {reason}</source>
        <translation>não foi possível verificar {option} {path}: {reason}</translation>
    </message>
    <message>
        <source>{path} is not a usable Caminho checkpoint: its version ({version}) is not a whole number</source>
        <translation>{path} não é um checkpoint do Caminho utilizável: sua versão ({version}) não é um número inteiro</translation>
    </message>
    <message>
        <source>{path} is not a Caminho checkpoint, or it is damaged (truncated or another format)</source>
        <translation>{path} não é um checkpoint do Caminho, ou está danificado (truncado ou em outro formato)</translation>
    </message>
    <message>
        <source>{path} holds damaged training facts ({reason})</source>
        <translation>{path} contém dados de treinamento danificados ({reason})</translation>
    </message>
    <message>
        <source>the checkpoint&apos;s training state is damaged ({reason})</source>
        <translation>o estado de treinamento do checkpoint está danificado ({reason})</translation>
    </message>
    <message>
        <source>an ensemble cannot be resumed: its checkpoint holds the merged network, written once every member is trained; make a model of it with `caminho-train export`</source>
        <translation>um ensemble não pode ser retomado: seu checkpoint guarda a rede combinada, gravada depois que todos os membros foram treinados; faça um modelo dele com `caminho-train export`</translation>
    </message>
    <message>
        <source>{path} is incomplete: it lacks {missing}</source>
        <translation>{path} está incompleto: falta {missing}</translation>
    </message>
    <message>
        <source>{path} was written by a newer caminho-train (version {version})</source>
        <translation>{path} foi gravado por um caminho-train mais novo (versão {version})</translation>
    </message>
    <message>
        <source>checkpoint not found: {path}</source>
        <translation>checkpoint não encontrado: {path}</translation>
    </message>
    <message>
        <source>{path} is not a Caminho checkpoint</source>
        <translation>{path} não é um checkpoint do Caminho</translation>
    </message>
    <message>
        <source>{path} is not a checkpoint: it is not a regular file</source>
        <translation>{path} não é um checkpoint: não é um arquivo comum</translation>
    </message>
    <message>
        <source>the checkpoint was trained on {tokens} tokens of {files}, this corpus has {corpus_tokens}: resume with the same corpus files</source>
        <translation>o checkpoint foi treinado com {tokens} tokens de {files}, e este corpus tem {corpus_tokens}: retome com os mesmos arquivos de corpus</translation>
    </message>
    <message>
        <source>the checkpoint&apos;s vocabulary does not fit this corpus: resume with the same corpus files</source>
        <translation>o vocabulário do checkpoint não corresponde a este corpus: retome com os mesmos arquivos de corpus</translation>
    </message>
    <message>
        <source>{option} {value} differs from the checkpoint&apos;s {saved}; a resumed run keeps the checkpoint&apos;s settings (only --epochs may change)</source>
        <translation>{option} {value} difere do valor do checkpoint, {saved}; um treinamento retomado mantém as configurações do checkpoint (só --epochs pode mudar)</translation>
    </message>
    <message>
        <source>{path} is not a Caminho checkpoint: it holds Python objects that no checkpoint holds, and they were not loaded (loading them could run code)</source>
        <translation>{path} não é um checkpoint do Caminho: contém objetos Python que nenhum checkpoint contém, e eles não foram carregados (carregá-los poderia executar código)</translation>
    </message>
    <message>
        <source>{path} is not a usable Caminho checkpoint: {reason}</source>
        <translation>{path} não é um checkpoint do Caminho utilizável: {reason}</translation>
    </message>
    <message>
        <source>the checkpoint&apos;s weights do not fit its settings ({reason})</source>
        <translation>os pesos do checkpoint não correspondem às suas configurações ({reason})</translation>
    </message>
    <message>
        <source>the checkpoint was trained on {tokens} tokens, this corpus has {corpus_tokens}: give the corpus files it was trained on</source>
        <translation>o checkpoint foi treinado com {tokens} tokens, e este corpus tem {corpus_tokens}: indique os arquivos de corpus com que ele foi treinado</translation>
    </message>
    <message>
        <source>the ONNX model differs from PyTorch by more than {tolerance}: {detail}</source>
        <translation>o modelo ONNX difere do PyTorch em mais de {tolerance}: {detail}</translation>
    </message>
    <message>
        <source>ONNX output {output} has shape {onnx}, PyTorch {torch}</source>
        <translation>a saída ONNX {output} tem a forma {onnx}, e a do PyTorch, {torch}</translation>
    </message>
    <message>
        <source>vocabulary of {entries} entries, {surface} surface forms and a model for {tokens} tokens do not agree</source>
        <translation>um vocabulário de {entries} entradas, {surface} formas escritas e um modelo para {tokens} tokens não batem</translation>
    </message>
    <message>
        <source>vocabulary must start with {first}, {second}</source>
        <translation>o vocabulário precisa começar com {first}, {second}</translation>
    </message>
    <message>
        <source>{name} is already quantized ({scheme})</source>
        <translation>{name} já está quantizado ({scheme})</translation>
    </message>
    <message>
        <source>{name} is not a Caminho model (no &apos;caminho_format&apos; metadata)</source>
        <translation>{name} não é um modelo do Caminho (não tem os metadados &apos;caminho_format&apos;)</translation>
    </message>
    <message>
        <source>the model cannot be used: {reason}</source>
        <translation>o modelo não pode ser usado: {reason}</translation>
    </message>
    <message>
        <source>{path} holds no text to evaluate on</source>
        <translation>{path} não contém texto para avaliar</translation>
    </message>
    <message>
        <source>--device must be one of {choices}, got {choice}</source>
        <translation>--device precisa ser um destes: {choices}; veio {choice}</translation>
    </message>
    <message>
        <source>an ensemble trains its networks one after the other: train it without --time-budget and without torchrun</source>
        <translation>um ensemble treina suas redes uma depois da outra: treine-o sem --time-budget e sem torchrun</translation>
    </message>
    <message>
        <source>invalid setting: {reason}</source>
        <translation>configuração inválida: {reason}</translation>
    </message>
    <message>
        <source>--words must be 0 or more</source>
        <translation>--words precisa ser 0 ou mais</translation>
    </message>
    <message>
        <source>invalid time limit (--time-budget): {reason}</source>
        <translation>limite de tempo inválido (--time-budget): {reason}</translation>
    </message>
    <message>
        <source>the word list --word-list {choice} cannot be used: {reason}</source>
        <translation>a lista de palavras --word-list {choice} não pode ser usada: {reason}</translation>
    </message>
    <message>
        <source>--word-list auto: the model does not say its language; give --word-list pt or en</source>
        <translation>--word-list auto: o modelo não diz qual é o seu idioma; use --word-list pt ou en</translation>
    </message>
    <message>
        <source>--device cuda: this PyTorch sees no CUDA GPU (a CPU-only build, or no driver); use --device cpu or auto</source>
        <translation>--device cuda: este PyTorch não vê nenhuma GPU CUDA (é uma versão só para CPU, ou falta o driver); use --device cpu ou auto</translation>
    </message>
    <message>
        <source>ensembles are a study that needs Caminho&apos;s source tree: python -m training.studies.ensemble</source>
        <translation>ensembles são um estudo que precisa do código-fonte do Caminho: python -m training.studies.ensemble</translation>
    </message>
    <message>
        <source>training and export need {packages}, which this installation lacks; install the training extra: pip install torch==2.13.0 -e &apos;.[train]&apos;</source>
        <translation>o treinamento e a exportação precisam de {packages}, que esta instalação não tem; instale o extra de treinamento: pip install torch==2.13.0 -e &apos;.[train]&apos;</translation>
    </message>
    <message>
        <source>the system reported an error: {reason}</source>
        <translation>o sistema informou um erro: {reason}</translation>
    </message>
    <message>
        <source>the system reported an error for {path}: {reason}</source>
        <translation>o sistema informou um erro em {path}: {reason}</translation>
    </message>
    <message>
        <source>out of memory after training</source>
        <translation>faltou memória depois do treinamento</translation>
    </message>
    <message>
        <source>{kind} after training</source>
        <translation>{kind} depois do treinamento</translation>
    </message>
    <message>
        <source>the system stopped the trainer (it was killed, SIGKILL), most likely because the computer ran out of memory. Try fewer or shorter texts, or close other programs and try again</source>
        <translation>o sistema interrompeu o treinador (ele foi encerrado com SIGKILL), muito provavelmente porque o computador ficou sem memória. Tente com menos textos ou textos mais curtos, ou feche outros programas e tente de novo</translation>
    </message>
    <message>
        <source>the trainer crashed ({signal})</source>
        <translation>o treinador travou ({signal})</translation>
    </message>
    <message>
        <source>the trainer stopped with exit code {code}</source>
        <translation>o treinador parou com o código de saída {code}</translation>
    </message>
    <message>
        <source>stopped early, as the loss on the held-out text had not improved for {epochs} epochs (more would not help)</source>
        <translation>parou antes, pois a perda no texto de validação não melhorava havia {epochs} épocas (mais épocas não ajudariam)</translation>
    </message>
    <message>
        <source>stopped early, as the loss on the held-out text had stopped improving</source>
        <translation>parou antes, pois a perda no texto de validação tinha parado de melhorar</translation>
    </message>
    <message>
        <source>it had learnt the text by heart (every next word right)</source>
        <translation>aprendeu o texto de cor (acertava todas as próximas palavras)</translation>
    </message>
    <message>
        <source>it did all {epochs} epochs</source>
        <translation>fez todas as {epochs} épocas</translation>
    </message>
    <message>
        <source>it was stopped on request</source>
        <translation>foi interrompido a pedido</translation>
    </message>
    <message>
        <source>its time limit was up (the model is the best it had learnt by then)</source>
        <translation>o tempo limite acabou (o modelo é o melhor que tinha aprendido até então)</translation>
    </message>
</context>
<context>
    <name>UserFeatures</name>
    <message>
        <source>Your data folder is not private: {0}</source>
        <translation>Sua pasta de dados não é privada: {0}</translation>
    </message>
    <message>
        <source>&amp;Train on Documents…</source>
        <translation>&amp;Treinar com documentos…</translation>
    </message>
    <message>
        <source>Train a model on your own writing</source>
        <translation>Treinar um modelo com os seus próprios textos</translation>
    </message>
    <message>
        <source>&amp;Models…</source>
        <translation>&amp;Modelos…</translation>
    </message>
    <message>
        <source>Installed models: choose, rename, delete</source>
        <translation>Modelos instalados: escolher, renomear, apagar</translation>
    </message>
    <message>
        <source>Pr&amp;eferences…</source>
        <translation>Pr&amp;eferências…</translation>
    </message>
    <message>
        <source>Never Suggest &amp;Ghost Word</source>
        <translation>&amp;Nunca sugerir a palavra fantasma</translation>
    </message>
    <message>
        <source>Block the first word of the ghost text</source>
        <translation>Bloquear a primeira palavra do texto fantasma</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>&amp;Ferramentas</translation>
    </message>
    <message>
        <source>“{0}” will not be suggested again (Preferences lists it).</source>
        <translation>“{0}” não será mais sugerida (ela aparece em Preferências).</translation>
    </message>
    <message>
        <source>No ghost text to block.</source>
        <translation>Não há texto fantasma para bloquear.</translation>
    </message>
</context>
<context>
    <name>WordBars</name>
    <message>
        <source>no prediction yet</source>
        <translation>ainda sem previsão</translation>
    </message>
    <message>
        <source>{0}. Most important: {1}.</source>
        <translation>{0}. Mais importantes: {1}.</translation>
    </message>
</context>
</TS>
